import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HttpRequest } from '@/common/http/platform';
import { clientOf } from '@/common/http/client-address';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { Idempotent } from '@/infra/idempotency/idempotent.decorator';
import { EmailVerificationService } from '@/modules/users/accounts/email-verification.service';
import { Authenticated } from './decorators/authenticated.decorator';
import { AuthUser, CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { VerifyEmailDto } from './dto/verify-email.dto';

/** The links of verification and email change mails, and asking for a new one. */
@ApiTags('auth')
@Controller('auth/email')
export class EmailVerificationController {
  constructor(private readonly verification: EmailVerificationService) {}

  @Public()
  @Post('verify')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'auth.verifyEmail',
    summary: 'Follow the link of a verification or email change mail',
    description:
      'Send the token of the link (`<APP_PUBLIC_URL>/verify-email?token=…`). A verification link marks the ' +
      'address verified, as long as it is still the account’s address; an email change link moves the ' +
      'account to the new address, verified, and voids the user’s other verification and change links. ' +
      'Sessions stay valid. No sign-in needed: the link itself proves the mailbox.',
  })
  @ApiNoContentResponse({ description: 'Address verified, or email change applied' })
  @ApiProblems(
    ['invalid_token', 'Unknown, expired, spent or superseded link, or an address changed since'],
    ['email_taken', 'Another account took the new address meanwhile; the change was not made'],
  )
  async verify(@Body() dto: VerifyEmailDto): Promise<void> {
    await this.verification.verify(dto.token);
  }

  @Post('resend')
  @Idempotent()
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({
    operationId: 'auth.resendVerification',
    summary: 'Mail a new verification link to your address',
    description:
      'Queues the mail and answers at once; its link supersedes every earlier verification link. ' +
      'Counts against the resend budget of this client and of the account (ACCOUNT_ACTION_*).',
  })
  @ApiAcceptedResponse({ description: 'The mail is queued' })
  @ApiProblems(
    'email_already_verified',
    ['rate_limited', 'Too many verification mails for this account or client, or over the request budget'],
    'mail_unavailable',
  )
  async resend(@CurrentUser() caller: AuthUser, @Req() req: HttpRequest): Promise<void> {
    await this.verification.resend(caller.id, clientOf(req));
  }
}
