import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthSummaryDto, LivenessDto, ReadinessDto } from './dto/health.dto';
import { HealthCheckResult } from '@nestjs/terminus';
import type { HttpReply } from '@/common/http/platform';
import { Public } from '@/modules/auth/decorators/public.decorator';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthService } from './health.service';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({
    operationId: 'health.summary',
    summary: 'Human-readable summary of readiness, for a "verify the deployment" step',
    description: 'The readiness result with a sentence naming what is down. Not throttled, no token needed.',
  })
  @ApiOkResponse({ type: HealthSummaryDto, description: 'Every dependency answers' })
  @ApiServiceUnavailableResponse({
    type: HealthSummaryDto,
    description: 'A dependency is down, or the instance is shutting down',
  })
  async summary(@Res({ passthrough: true }) res: HttpReply) {
    const result = await this.readiness(res);
    return this.health.summarise(result);
  }

  @Get('live')
  @ApiOperation({
    operationId: 'health.live',
    summary: 'Liveness probe: the process can serve; touches no dependency',
    description: 'For a liveness probe: failing it restarts the process, so it never depends on the database or Redis.',
  })
  @ApiOkResponse({ type: LivenessDto })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'health.ready',
    summary: 'Readiness probe: database (and Redis when configured) answer, not shutting down',
    description: 'For a readiness probe or a load balancer check: 503 takes the instance out of rotation.',
  })
  @ApiOkResponse({ type: ReadinessDto, description: "Terminus' standard health body" })
  @ApiServiceUnavailableResponse({ type: ReadinessDto, description: 'Names the dependency that failed' })
  ready(@Res({ passthrough: true }) res: HttpReply) {
    return this.readiness(res);
  }

  /** Terminus signals failure by throwing; probes want its standard body with a 503, not a problem document. */
  private async readiness(res: HttpReply): Promise<HealthCheckResult> {
    try {
      return await this.health.checkReadiness();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
