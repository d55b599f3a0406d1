import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, MaxLength, ValidateIf } from 'class-validator';
import { NameField, PasswordField } from './user-fields';

/**
 * What a user may change about themselves. Deliberately no role, email or isActive: an
 * unknown field is refused by the global pipe, so no body can raise a user's own role.
 */
export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Ada King', minLength: 1, maxLength: 100 })
  @IsOptional()
  @NameField()
  name?: string;

  @ApiPropertyOptional({
    minLength: 8,
    maxLength: 128,
    description: 'New password; needs currentPassword; not one of the commonest passwords',
  })
  @IsOptional()
  @PasswordField()
  password?: string;

  @ApiPropertyOptional({ description: 'Required when changing the password' })
  @ValidateIf((dto: UpdateMeDto) => dto.password !== undefined || dto.currentPassword !== undefined)
  @IsDefined({ message: 'currentPassword is required to change the password' })
  @IsString()
  @MaxLength(128)
  currentPassword?: string;
}
