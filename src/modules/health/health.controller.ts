import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult } from '@nestjs/terminus';
import type { Response } from 'express';
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
  @ApiOperation({ summary: 'Human-readable summary of readiness, for a "verify the deployment" step' })
  @ApiOkResponse({ description: 'Every dependency answers' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down, or the instance is shutting down' })
  async summary(@Res({ passthrough: true }) res: Response) {
    const result = await this.readiness(res);
    return this.health.summarise(result);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness probe: the process can serve; touches no dependency' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness probe: database (and Redis when configured) answer, not shutting down' })
  @ApiOkResponse({ description: "Terminus' standard health body" })
  @ApiServiceUnavailableResponse({ description: 'Names the dependency that failed' })
  ready(@Res({ passthrough: true }) res: Response) {
    return this.readiness(res);
  }

  /** Terminus signals failure by throwing; probes want its standard body with a 503, not a problem document. */
  private async readiness(res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.checkReadiness();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
