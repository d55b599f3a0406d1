import { ApiProperty } from '@nestjs/swagger';
import { EmailField, NameField, PasswordField } from '@/modules/users/dto/user-fields';

/** Self-registration. No role field: every registered account is a `user`. */
export class RegisterDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com', maxLength: 254, description: 'Stored lower-cased' })
  @EmailField()
  email!: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 8, maxLength: 128 })
  @PasswordField()
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @NameField()
  name!: string;
}
