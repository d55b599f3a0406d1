import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { Public } from '@/modules/auth/decorators/public.decorator';

/**
 * The Prometheus scrape endpoint. Public and unthrottled: Prometheus sends no token, and
 * a scrape refused with 429 would read as the instance being down. Keep it off the public
 * internet at the load balancer or ingress instead.
 */
@ApiTags('metrics')
@Public()
@SkipThrottle()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics in the text exposition format' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Request counters and latency by route template, process, pool and business metrics' })
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
