import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { authConfig, AuthConfig, throttleConfig, ThrottleConfig } from '@/config/configuration';
import { HashingModule } from '@/infra/hashing/hashing.module';
import type { RedisClient } from '@/infra/redis/redis-client.factory';
import { REDIS_CLIENT } from '@/infra/redis/redis.constants';
import { RedisThrottlerStorage } from '@/infra/redis/redis-throttler.storage';
import { MemoryThrottlerStorage } from '@/infra/throttling/memory-throttler.storage';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import { MetricsModule } from '@/modules/metrics/metrics.module';
import { UsersModule } from '@/modules/users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { EmailVerificationController } from './email-verification.controller';
import { AppThrottlerGuard, DEFAULT_BUDGET, throttleKey } from './guards/app-throttler.guard';
import { AuthLookahead } from './guards/auth-lookahead';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { LoginThrottleGuard } from './guards/login-throttle.guard';
import { RolesGuard } from './guards/roles.guard';
import { PasswordResetController } from './password-reset.controller';
import { SessionsController } from './sessions.controller';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokenService } from './token.service';
import { accessVerifyOptions, hmacKey } from './token-keys';

/**
 * Authentication and the global guards, in order: request budget (ThrottlerGuard), then
 * a valid access token unless `@Public()`, then the roles of `@Authenticated({ roles })`. Secure by default: a new
 * route needs a token without anyone remembering to ask for one.
 */
@Module({
  imports: [
    UsersModule,
    HashingModule,
    MetricsModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (cfg: AuthConfig) => ({
        secret: hmacKey(cfg.accessSecret),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: accessVerifyOptions(cfg),
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [throttleConfig.KEY, REDIS_CLIENT, AppMetrics],
      useFactory: (cfg: ThrottleConfig, redis: RedisClient | null, metrics: AppMetrics) => ({
        throttlers: [
          { name: DEFAULT_BUDGET, limit: cfg.limit, ttl: cfg.ttlMs },
          // Each registration costs a password hash: a budget of its own, far below the default.
          { name: 'register', limit: cfg.registerLimit, ttl: cfg.registerTtlMs },
        ],
        // Shared by every instance with Redis; counted in this process (one node only) without, by the same rules.
        storage: redis ? new RedisThrottlerStorage(redis, cfg.failClosed, metrics) : new MemoryThrottlerStorage(),
        // One budget per client across the whole API; the stock key is per route, which multiplies it.
        generateKey: (_context, tracker, throttler) => throttleKey(throttler, tracker),
      }),
    }),
  ],
  controllers: [AuthController, SessionsController, EmailVerificationController, PasswordResetController],
  providers: [
    AuthService,
    TokenService,
    LoginThrottleGuard,
    AuthLookahead,
    JwtStrategy,
    { provide: APP_GUARD, useClass: AppThrottlerGuard },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
})
export class AuthModule {}
