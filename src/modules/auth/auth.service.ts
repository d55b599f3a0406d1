import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '@/modules/auth/decorators/current-user.decorator';
import { ProblemException, UnauthorizedProblem } from '@/common/http/problem';
import { accountsConfig, AccountsConfig } from '@/config/configuration';
import { HashingBusyError } from '@/infra/hashing/hashing-busy.error';
import { PasswordHasher } from '@/infra/hashing/password-hasher';
import { audit } from '@/infra/logging/audit-log';
import { AppMetrics } from '@/infra/metrics/app-metrics';
import type { User } from '@/modules/users/entities/user.entity';
import { WelcomeMailJob } from '@/modules/users/mail/welcome-mail.job';
import { UsersService } from '@/modules/users/users.service';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';
import type { TokenPairDto } from './dto/token-pair.dto';
import type { LoginAttempt } from './guards/login-throttle.guard';
import { SessionClient, SessionsService } from '@/modules/users/sessions/sessions.service';
import { TokenService } from './token.service';

/** One body for every failed login, so a response never tells which part was wrong. */
const invalidCredentials = () => new UnauthorizedProblem('The email or password is incorrect.', 'invalid_credentials');

/**
 * REQUIRE_VERIFIED_EMAIL: only ever answered to someone who gave the right password, so it
 * reveals nothing the caller did not know. The way out needs no sign-in.
 */
const emailNotVerified = () =>
  new ProblemException(
    HttpStatus.FORBIDDEN,
    'email_not_verified',
    'Verify your email address before signing in: open the link of the verification mail. ' +
      'To get a new link, use "forgot password": a password reset verifies the address too.',
  );

/** Why a login failed, for the audit log only: the client is told none of it. */
const failureOf = (user: User | null, valid: boolean) =>
  !user ? 'unknown_account' : !valid ? 'bad_password' : 'inactive';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly metrics: AppMetrics,
    private readonly welcomeMail: WelcomeMailJob,
    @Inject(accountsConfig.KEY) private readonly accounts: AccountsConfig,
  ) {}

  /**
   * The mail is queued after the user is committed, and the answer does not wait for it. A
   * refused enqueue is logged and counted, not answered: the account exists (docs/jobs.md, Mail).
   */
  async register(dto: RegisterDto): Promise<User> {
    const user = await this.users.create(dto);
    await this.welcomeMail.queue(user.id);
    return user;
  }

  /**
   * Unknown email, wrong password and deactivated account fail identically, and each
   * spends exactly one argon2 verification, so neither the body nor the timing reveals
   * whether an account exists. The attempt was already counted by LoginThrottleGuard
   * (with the user it resolved); a failure keeps that count, a success gives it back.
   * `client` is stored with the session, for its owner's session list.
   * With REQUIRE_VERIFIED_EMAIL an unverified account is refused (403) only after all of
   * that: its password was right, so the attempt is given back like a success's.
   */
  async login(dto: LoginDto, { user, attempt }: LoginAttempt, client: SessionClient): Promise<TokenPairDto> {
    let valid: boolean;
    try {
      valid = user
        ? await this.hasher.verify(user.passwordHash, dto.password)
        : await this.hasher.verifyDummy(dto.password).then(() => false);
    } catch (error) {
      // Refused for load, the password was never checked: the attempt must not count as a failure.
      if (error instanceof HashingBusyError) await attempt.cancel();
      throw error;
    }

    if (!user || !valid || !user.isActive) {
      this.metrics.loginFailed('bad_credentials');
      audit('auth.login.failed', { userId: user?.id, reason: failureOf(user, valid) });
      throw invalidCredentials();
    }
    await attempt.succeeded();
    if (this.accounts.requireVerifiedEmail && !user.emailVerified) {
      audit('auth.login.failed', { userId: user.id, reason: 'email_not_verified' });
      throw emailNotVerified();
    }
    this.metrics.loginSucceeded();
    const issued = await this.sessions.start(user.id, client);
    audit('auth.login.succeeded', { userId: user.id, sessionId: issued.sessionId });
    return this.tokens.pair(user, issued);
  }

  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const rotated = await this.sessions.rotate(refreshToken);
    return this.tokens.pair(rotated.user, rotated);
  }

  /**
   * Revokes the caller's session, which kills the presented access token (by its `sid`)
   * and the refresh family. A refresh token from another of the caller's own sessions is
   * revoked too; one belonging to someone else is ignored, never acted on.
   */
  async logout(caller: AuthUser, refreshToken: string): Promise<void> {
    audit('auth.logout', { userId: caller.id, sessionId: caller.sessionId });
    await this.sessions.revoke(caller.sessionId, 'logout');
    const other = await this.sessions.sessionOfRefreshToken(refreshToken);
    if (other && other.userId === caller.id && other.id !== caller.sessionId) {
      await this.sessions.revoke(other.id, 'logout');
    }
  }
}
