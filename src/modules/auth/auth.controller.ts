import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpRequest } from '@/common/http/platform';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { Idempotent } from '@/infra/idempotency/idempotent.decorator';
import { UserResponseDto } from '@/modules/users/dto/user-response.dto';
import { toUserResponse } from '@/modules/users/user.mapper';
import { AuthService } from './auth.service';
import { Authenticated } from './decorators/authenticated.decorator';
import { AuthUser, CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { RequestBudget } from './decorators/request-budget.decorator';
import { LoginDto } from './dto/login.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenPairDto } from './dto/token-pair.dto';
import { loginAttemptOf, LoginThrottleGuard } from './guards/login-throttle.guard';
import { sessionClientOf } from './session-client';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @Idempotent()
  @RequestBudget('register')
  @ApiOperation({
    operationId: 'auth.register',
    summary: 'Create an account (role user)',
    description:
      'The account starts unverified (`emailVerified: false`); a welcome mail with a verification link is queued. ' +
      'Counts against the registration budget of the client.',
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiProblems(
    ['validation_failed', 'Invalid field (password: 8–128 characters and not too guessable) or unknown field'],
    'email_taken',
    ['rate_limited', 'Over the registration budget of this client, or over the request budget'],
    'hashing_busy',
  )
  async register(@Body() dto: RegisterDto): Promise<UserResponseDto> {
    return toUserResponse(await this.auth.register(dto));
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginThrottleGuard)
  @ApiOperation({
    operationId: 'auth.login',
    summary: 'Exchange email and password for an access and a refresh token',
    description:
      'Starts a session (see GET /auth/sessions). An unknown email and a wrong password get the same answer ' +
      'in about the same time; failures are counted per account and per client.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(
    ['invalid_credentials', 'Wrong email or password, or account deactivated (one identical body for all)'],
    'email_not_verified',
    ['too_many_login_failures', 'Too many failed logins for this account or client'],
    'hashing_busy',
    'login_limit_unavailable',
  )
  login(@Body() dto: LoginDto, @Req() req: HttpRequest): Promise<TokenPairDto> {
    // The guard reserved an attempt for every body with a string email, which a valid DTO has.
    const attempt = loginAttemptOf(req);
    if (!attempt) throw new Error('Login reached without a reserved attempt');
    return this.auth.login(dto, attempt, sessionClientOf(req));
  }

  @Public()
  @Post('refresh')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth.refresh',
    summary: 'Rotate a refresh token into a new pair',
    description: 'The presented token is spent. Presenting a spent token again revokes its whole login.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems('invalid_refresh_token')
  refresh(@Body() dto: RefreshTokenDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({
    operationId: 'auth.logout',
    summary: 'End this login: the access token and its refresh tokens stop working',
    description: 'Send the refresh token of this login. Both tokens are refused on every instance at once.',
  })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiProblems(['invalid_refresh_token', 'The refresh token is not one of this login'])
  async logout(@CurrentUser() caller: AuthUser, @Body() dto: RefreshTokenDto): Promise<void> {
    await this.auth.logout(caller, dto.refreshToken);
  }
}
