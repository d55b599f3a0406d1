import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HashingModule } from '@/infra/hashing/hashing.module';
import { MailModule } from '@/infra/mail/mail.module';
import { AccountChanges } from './account-changes';
import { EmailVerificationService } from './accounts/email-verification.service';
import { PasswordResetService } from './accounts/password-reset.service';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { EmailChangeService } from './email-change.service';
import { LastAdminRule } from './last-admin.rule';
import { MaintenanceJob } from './maintenance/maintenance.job';
import { User } from './entities/user.entity';
import { AccountMailJob } from './mail/account-mail.job';
import { WelcomeMailJob } from './mail/welcome-mail.job';
import { PasswordAttemptsService } from './password-attempts.service';
import { AuthStateService } from './sessions/auth-state.service';
import { RefreshToken } from './sessions/entities/refresh-token.entity';
import { Session } from './sessions/entities/session.entity';
import { LastUsedRecorder } from './sessions/last-used-recorder';
import { SessionsService } from './sessions/sessions.service';
import { AccountActionBudgets } from './tokens/account-action-budgets';
import { AccountTokens } from './tokens/account-tokens.service';
import { AccountToken } from './tokens/entities/account-token.entity';
import { UserDeletionService } from './user-deletion.service';
import { UserProfileCache } from './user-profile.cache';
import { UsersAdminService } from './users-admin.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * Accounts and their sessions. Sessions live here because both sides need them: auth
 * starts, rotates and ends them and its guard checks them; users revokes them on a
 * password change, a deactivation or a deletion (an admin's or the user's own). The password attempt counters live here
 * for the same reason: login and a password change count against one account's limits.
 * Auth imports this module; users reaches auth only through its access decorators
 * (docs/architecture.md, Dependencies).
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, Session, RefreshToken, AccountToken]), HashingModule, MailModule],
  controllers: [UsersController],
  providers: [
    UsersService,
    UsersAdminService,
    EmailChangeService,
    AdminBootstrapService,
    UserProfileCache,
    SessionsService,
    AuthStateService,
    LastUsedRecorder,
    AccountChanges,
    PasswordAttemptsService,
    LastAdminRule,
    UserDeletionService,
    MaintenanceJob,
    WelcomeMailJob,
    AccountMailJob,
    AccountTokens,
    AccountActionBudgets,
    EmailVerificationService,
    PasswordResetService,
  ],
  exports: [
    UsersService,
    SessionsService,
    AuthStateService,
    LastUsedRecorder,
    PasswordAttemptsService,
    WelcomeMailJob,
    AccountMailJob,
    AccountTokens,
    AccountActionBudgets,
    EmailVerificationService,
    PasswordResetService,
  ],
})
export class UsersModule {}
