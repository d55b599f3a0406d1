import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PasswordField } from '@/modules/users/dto/user-fields';

@ApiSchema({ name: 'ResetPasswordRequest' })
export class ResetPasswordDto {
  /**
   * Any string up to the bound: a value of the wrong shape is an unusable link like any
   * other (400 `invalid_token`), not a field error that would tell the two apart.
   */
  @ApiProperty({
    description: 'The `token` parameter of the reset or invitation link (`/reset-password?token=…`)',
    example: 'q3Wv0m1yS8b5G2pZ7kXcR4tN6uJ9hA0eL1dF3gH5iK7',
    minLength: 1,
    maxLength: 256,
  })
  @IsString()
  @Length(1, 256)
  token!: string;

  @ApiProperty({
    example: 'correct horse battery',
    minLength: 8,
    maxLength: 128,
    description: 'The new password: the rules of registration (8–128 characters, not one of the commonest)',
  })
  @PasswordField()
  password!: string;
}
