import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountChanges } from './account-changes';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { AuthStateService } from './sessions/auth-state.service';
import { RefreshToken } from './sessions/entities/refresh-token.entity';
import { Session } from './sessions/entities/session.entity';
import { SessionsService } from './sessions/sessions.service';
import { UserProfileCache } from './user-profile.cache';
import { UsersAdminService } from './users-admin.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * Accounts and their sessions. Sessions live here because both sides need them: auth
 * starts, rotates and ends them and its guard checks them; users revokes them on a
 * password change, a deactivation or a deletion. Auth imports this module, never the reverse.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, Session, RefreshToken])],
  controllers: [UsersController],
  providers: [
    UsersService,
    UsersAdminService,
    PasswordHasher,
    AdminBootstrapService,
    UserProfileCache,
    SessionsService,
    AuthStateService,
    AccountChanges,
  ],
  exports: [UsersService, PasswordHasher, SessionsService, AuthStateService],
})
export class UsersModule {}
