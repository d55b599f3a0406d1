import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { authConfig, AuthConfig } from '@/config/configuration';
import type { User } from '@/modules/users/entities/user.entity';
import type { IssuedRefresh } from '@/modules/users/sessions/sessions.service';
import { ACCESS_TOKEN_TYPE } from './access-claims';
import type { TokenPairDto } from './dto/token-pair.dto';

/** Signs access tokens and assembles the pair a login or refresh answers with. */
@Injectable()
export class TokenService implements OnModuleInit {
  private readonly logger = new Logger(TokenService.name);

  constructor(
    private readonly jwt: JwtService,
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
  ) {}

  onModuleInit(): void {
    if (this.cfg.secretsGenerated) {
      this.logger.warn(
        'JWT_ACCESS_SECRET/JWT_REFRESH_SECRET are not set: using random per-process secrets. ' +
          'Tokens die on restart and are not accepted by other instances. Set both (production requires them).',
      );
    }
  }

  /**
   * The access token lives `JWT_ACCESS_TTL`, cut short where the session ends, and
   * `expiresIn` says exactly how long that is (`exp - iat`).
   */
  async pair(user: Pick<User, 'id' | 'role'>, issued: IssuedRefresh): Promise<TokenPairDto> {
    const iat = Math.floor(Date.now() / 1000);
    const sessionEnd = Math.floor(issued.sessionEndsAt.getTime() / 1000);
    const expiresIn = Math.max(0, Math.min(Math.floor(this.cfg.accessTtlMs / 1000), sessionEnd - iat));
    const accessToken = await this.jwt.signAsync(
      { sub: user.id, role: user.role, sid: issued.sessionId, typ: ACCESS_TOKEN_TYPE, iat },
      { jwtid: randomUUID(), expiresIn, issuer: this.cfg.issuer, audience: this.cfg.audience },
    );
    return { accessToken, refreshToken: issued.refreshToken, tokenType: 'Bearer', expiresIn };
  }
}
