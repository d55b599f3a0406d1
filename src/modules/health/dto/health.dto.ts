import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** The state of one dependency in a readiness answer. */
@ApiSchema({ name: 'HealthIndicator' })
export class HealthIndicatorDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional({ maxLength: 1000, description: 'Why a dependency is down' })
  message?: string;

  @ApiPropertyOptional({ enum: ['draining'], description: 'Set on `shutdown` while the instance drains' })
  reason?: 'draining';

  @ApiPropertyOptional({ minimum: 0, maximum: 60_000, description: 'How long the check took, in milliseconds' })
  responseTime?: number;
}

/**
 * The checks of readiness, by name: shutdown, database, database_writable on a database
 * server, and redis when Redis is configured.
 */
@ApiSchema({ name: 'HealthChecks' })
export class HealthChecksDto {
  @ApiPropertyOptional({ type: HealthIndicatorDto, description: 'Down from the moment a shutdown starts' })
  shutdown?: HealthIndicatorDto;

  @ApiPropertyOptional({ type: HealthIndicatorDto })
  database?: HealthIndicatorDto;

  @ApiPropertyOptional({
    type: HealthIndicatorDto,
    description: 'PostgreSQL and MySQL only: down while the server answers but refuses writes (a standby)',
  })
  database_writable?: HealthIndicatorDto;

  @ApiPropertyOptional({ type: HealthIndicatorDto, description: 'Only when Redis is configured' })
  redis?: HealthIndicatorDto;
}

/** Terminus' readiness body, the same on 200 and 503. */
@ApiSchema({ name: 'Readiness' })
export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'error'], description: '`error` whenever one check is down' })
  status!: 'ok' | 'error';

  @ApiPropertyOptional({ type: HealthChecksDto, description: 'The checks that are up' })
  info?: HealthChecksDto;

  @ApiPropertyOptional({ type: HealthChecksDto, description: 'The checks that are down' })
  error?: HealthChecksDto;

  @ApiProperty({ type: HealthChecksDto, description: 'Every check' })
  details!: HealthChecksDto;
}

/** The state of one check in the summary. */
const CHECK = { enum: ['up', 'down'] } as const;

@ApiSchema({ name: 'HealthCheckStates' })
export class HealthCheckStatesDto {
  @ApiPropertyOptional(CHECK)
  shutdown?: 'up' | 'down';

  @ApiPropertyOptional(CHECK)
  database?: 'up' | 'down';

  @ApiPropertyOptional({ ...CHECK, description: 'PostgreSQL and MySQL only' })
  database_writable?: 'up' | 'down';

  @ApiPropertyOptional({ ...CHECK, description: 'Only when Redis is configured' })
  redis?: 'up' | 'down';
}

@ApiSchema({ name: 'HealthSummary' })
export class HealthSummaryDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ maxLength: 200, example: 'Ready: every dependency answers.' })
  summary!: string;

  @ApiProperty({ type: HealthCheckStatesDto })
  checks!: HealthCheckStatesDto;
}

@ApiSchema({ name: 'Liveness' })
export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}
