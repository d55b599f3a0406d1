import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { EmailField, NameField, PasswordField } from '@/modules/users/dto/user-fields';

/** Self-registration. No role field: every registered account is a `user`. */
@ApiSchema({ name: 'RegisterRequest' })
export class RegisterDto {
  @ApiProperty({
    format: 'idn-email',
    example: 'ada@example.com',
    maxLength: 254,
    description:
      'Stored normalised (NFKC, trimmed, lower-cased) and compared exactly; no invisible or control characters',
  })
  @EmailField()
  email!: string;

  @ApiProperty({
    example: 'correct horse battery',
    minLength: 8,
    maxLength: 128,
    description: 'Not one of the commonest passwords (a zxcvbn strength check)',
  })
  @PasswordField()
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @NameField()
  name!: string;
}
