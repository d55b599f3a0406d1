import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpRequest } from '@/common/http/platform';
import { clientOf } from '@/common/http/client-address';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { Idempotent } from '@/infra/idempotency/idempotent.decorator';
import { PasswordResetService } from '@/modules/users/accounts/password-reset.service';
import { Public } from './decorators/public.decorator';
import { ForgotPasswordDto } from './dto/forgot-password.dto';
import { ResetPasswordDto } from './dto/reset-password.dto';

/** A forgotten password: ask for a reset link by mail, then spend it on a new password. */
@ApiTags('auth')
@Public()
@Controller('auth/password')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  @Post('forgot')
  @Idempotent()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'auth.forgotPassword',
    summary: 'Mail a password reset link to this address, if it has an account',
    description:
      'The answer is the same, empty 202 whether or not the address has an account; only the owner of the ' +
      'mailbox learns which (a link valid for PASSWORD_RESET_TTL, or no mail at all).',
  })
  @ApiAcceptedResponse({ description: 'Queued; a mail follows when the address has an active account' })
  @ApiProblems(
    ['rate_limited', 'Too many reset requests for this client or address, or over the request budget'],
    'mail_unavailable',
  )
  async forgot(@Body() dto: ForgotPasswordDto, @Req() req: HttpRequest): Promise<void> {
    await this.resets.forgot(dto.email, clientOf(req));
  }

  @Post('reset')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'auth.resetPassword',
    summary: 'Set a new password with the token of a reset or invitation link',
    description:
      'Spends the link, verifies the address it was mailed to, and ends every session of the account on every node.',
  })
  @ApiNoContentResponse({ description: 'Password set; every earlier access and refresh token is refused' })
  @ApiProblems(
    ['invalid_token', 'Unknown, expired, spent or superseded link'],
    ['validation_failed', 'Invalid password (as at registration), or unknown field'],
    ['rate_limited', 'Too many reset attempts from this client or for this account, or over the request budget'],
    'hashing_busy',
  )
  async reset(@Body() dto: ResetPasswordDto, @Req() req: HttpRequest): Promise<void> {
    await this.resets.reset(dto.token, dto.password, clientOf(req));
  }
}
