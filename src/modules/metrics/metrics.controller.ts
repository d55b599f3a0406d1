import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { HttpReply } from '@/common/http/platform';
import { Registry } from 'prom-client';
import { Public } from '@/modules/auth/decorators/public.decorator';

/**
 * The Prometheus scrape endpoint. Public and unthrottled: Prometheus sends no token, and
 * a scrape refused with 429 would read as the instance being down. Keep it off the public
 * internet at the load balancer or ingress instead.
 *
 * It serves the application's own registry. @willsoto/nestjs-prometheus does not fit one:
 * its controller, its `make*Provider` metric helpers and its default-metrics switch use
 * prom-client's process-wide default registry (6.x has no option for another), which every
 * application booted in the same process would share.
 */
@ApiTags('metrics')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  @ApiOperation({
    operationId: 'metrics.scrape',
    summary: 'Prometheus metrics in the text exposition format',
    description: 'For Prometheus; docs/operations.md lists every metric. Not throttled, no token needed.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Request counters and latency by route template, process, pool and business metrics',
    schema: {
      type: 'string',
      maxLength: 10_000_000,
      example: 'http_requests_total{method="GET",route="/health/live",status_class="2xx"} 3',
    },
  })
  index(@Res({ passthrough: true }) response: HttpReply): Promise<string> {
    response.header('Content-Type', this.registry.contentType);
    return this.registry.metrics();
  }
}
