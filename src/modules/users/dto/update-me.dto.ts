import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { ApiSchemaRules } from '@/common/swagger/openapi-conventions';
import { EmailField, NameField, PasswordField } from './user-fields';

/**
 * What a user may change about themselves. Deliberately no role or isActive: an unknown
 * field is refused by the global pipe, so no body can raise a user's own role. An email
 * is not set here but asked for: it changes only once the new address confirms it.
 */
@ApiSchema({ name: 'UpdateMeRequest' })
// A password or an email change needs currentPassword.
@ApiSchemaRules({
  anyOf: [{ not: { anyOf: [{ required: ['password'] }, { required: ['email'] }] } }, { required: ['currentPassword'] }],
})
export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Ada King', minLength: 1, maxLength: 100 })
  @IsOptional()
  @NameField()
  name?: string;

  @ApiPropertyOptional({
    format: 'idn-email',
    example: 'ada.king@example.com',
    maxLength: 254,
    description:
      'New address; needs currentPassword. Normalised (NFKC, trimmed, lower-cased). The account keeps its ' +
      'current address until the link mailed to the new one is opened; your current address is told. ' +
      'Your current address again changes nothing.',
  })
  // Absent is allowed, null is not: null must not read as "an address was given".
  @ValidateIf((dto: UpdateMeDto) => dto.email !== undefined)
  @EmailField()
  email?: string;

  @ApiPropertyOptional({
    minLength: 8,
    maxLength: 128,
    description: 'New password; needs currentPassword; not one of the commonest passwords',
  })
  @IsOptional()
  @PasswordField()
  password?: string;

  @ApiPropertyOptional({
    description: 'Required when changing the password or the email',
    maxLength: 128,
    example: 'correct horse battery',
  })
  @ValidateIf(
    (dto: UpdateMeDto) => dto.password !== undefined || dto.email !== undefined || dto.currentPassword !== undefined,
  )
  @IsDefined({ message: 'currentPassword is required to change the password or the email' })
  @IsString()
  @MaxLength(128)
  currentPassword?: string;
}
