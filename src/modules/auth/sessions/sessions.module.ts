import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '@/modules/users/entities/user.entity';
import { RefreshToken } from '../entities/refresh-token.entity';
import { Session } from '../entities/session.entity';
import { AuthStateService } from './auth-state.service';
import { SessionsService } from './sessions.service';

/**
 * Session state shared by auth (login, refresh, logout, the JWT guard) and users
 * (password change, deactivation, deletion revoke sessions), without a module cycle.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, Session, RefreshToken])],
  providers: [SessionsService, AuthStateService],
  exports: [SessionsService, AuthStateService],
})
export class SessionsModule {}
