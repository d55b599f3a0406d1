import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { authConfig, AuthConfig } from '@/config/configuration';
import type { User } from '@/modules/users/entities/user.entity';
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

  async pair(user: Pick<User, 'id' | 'role'>, sessionId: string, refreshToken: string): Promise<TokenPairDto> {
    const expiresIn = Math.floor(this.cfg.accessTtlMs / 1000);
    const accessToken = await this.jwt.signAsync(
      { sub: user.id, role: user.role, sid: sessionId, typ: ACCESS_TOKEN_TYPE },
      { jwtid: randomUUID(), expiresIn },
    );
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn };
  }
}
