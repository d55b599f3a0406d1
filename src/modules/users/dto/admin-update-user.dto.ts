import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { USER_ROLES, UserRole } from '../entities/user.entity';
import { NameField } from './user-fields';

/** What an admin may change about any user. Email and password stay with their owner. */
@ApiSchema({ name: 'UpdateUserRequest' })
export class AdminUpdateUserDto {
  @ApiPropertyOptional({ example: 'Ada King', minLength: 1, maxLength: 100 })
  @IsOptional()
  @NameField()
  name?: string;

  @ApiPropertyOptional({ enum: USER_ROLES, enumName: 'UserRole' })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ description: 'false deactivates the user and revokes all their tokens' })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}
