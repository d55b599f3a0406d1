import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsOptional, ValidateIf } from 'class-validator';
import { USER_ROLES, UserRole } from '../entities/user.entity';
import { EmailField, NameField, PasswordField } from './user-fields';

/** An account an admin creates: the fields of registration, plus a role. */
@ApiSchema({ name: 'CreateUserRequest' })
export class AdminCreateUserDto {
  @ApiProperty({
    format: 'idn-email',
    example: 'grace@example.com',
    maxLength: 254,
    description:
      'Stored normalised (NFKC, trimmed, lower-cased) and compared exactly; no invisible or control characters',
  })
  @EmailField()
  email!: string;

  @ApiProperty({ example: 'Grace Hopper', minLength: 1, maxLength: 100 })
  @NameField()
  name!: string;

  @ApiPropertyOptional({ enum: USER_ROLES, enumName: 'UserRole', default: 'user' })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({
    minLength: 8,
    maxLength: 128,
    description:
      'Not one of the commonest passwords. Without it the user is invited by mail to choose one ' +
      '(a reset link valid for INVITATION_TTL) and cannot log in until then.',
  })
  // Absent is allowed, null is not: only an absent password means "invite".
  @ValidateIf((dto: AdminCreateUserDto) => dto.password !== undefined)
  @PasswordField()
  password?: string;
}
