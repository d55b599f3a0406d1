import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of `POST /auth/email/verify`: the `token` of the link in a verification or email change mail. */
@ApiSchema({ name: 'VerifyEmailRequest' })
export class VerifyEmailDto {
  @ApiProperty({
    example: 'q3Zk8V1cJm0yR2xWfH7tLw9bN4sD6aE5uPiGoTjKlMn',
    description: 'The token query parameter of the link in the mail; single use',
    minLength: 1,
    maxLength: 128,
  })
  @IsString()
  @Length(1, 128)
  token!: string;
}
