import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiProblems, HASHING_BUSY, PASSWORD_CHECK_UNAVAILABLE } from '@/common/swagger/api-problems.decorator';
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
  @RequestBudget('register')
  @ApiOperation({ summary: 'Create an account (role user)' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiProblems(
    [400, 'Invalid field (password: 8–128 characters) or unknown field'],
    [409, 'Email taken'],
    [429, 'Over the registration budget of this client, or over the request budget; see Retry-After'],
    HASHING_BUSY,
  )
  async register(@Body() dto: RegisterDto): Promise<UserResponseDto> {
    return toUserResponse(await this.auth.register(dto));
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginThrottleGuard)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(
    400,
    [401, 'Wrong email or password, or account deactivated (one identical body for all)'],
    [
      403,
      'email_not_verified: right password, but REQUIRE_VERIFIED_EMAIL is on and the address is not verified yet; ' +
        'a password reset ("forgot password") verifies it too',
    ],
    [429, 'Too many failed logins for this account or client, or over the request budget; see Retry-After'],
    PASSWORD_CHECK_UNAVAILABLE,
  )
  login(@Body() dto: LoginDto, @Req() req: Request): Promise<TokenPairDto> {
    // The guard reserved an attempt for every body with a string email, which a valid DTO has.
    const attempt = loginAttemptOf(req);
    if (!attempt) throw new Error('Login reached without a reserved attempt');
    return this.auth.login(dto, attempt, sessionClientOf(req));
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a refresh token into a new pair',
    description: 'The presented token is spent. Presenting a spent token again revokes its whole login.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, [401, 'Unknown, expired, spent or revoked refresh token'], 429)
  refresh(@Body() dto: RefreshTokenDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({ summary: 'End this login: the access token and its refresh tokens stop working' })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiProblems(400, 401, 429)
  async logout(@CurrentUser() caller: AuthUser, @Body() dto: RefreshTokenDto): Promise<void> {
    await this.auth.logout(caller, dto.refreshToken);
  }
}
