import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { USER_ROLES, UserRole } from '../entities/user.entity';

@ApiSchema({ name: 'User' })
export class UserResponseDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f' })
  id!: string;

  @ApiProperty({ format: 'idn-email', maxLength: 254, example: 'ada@example.com', description: 'Always lower-cased' })
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  name!: string;

  @ApiProperty({ enum: USER_ROLES, enumName: 'UserRole', example: 'user' })
  role!: UserRole;

  @ApiProperty({ example: true })
  isActive!: boolean;

  @ApiProperty({ example: false, description: 'The owner proved the address by following a verification link' })
  emailVerified!: boolean;

  @ApiProperty({ format: 'date-time', maxLength: 30, example: '2026-12-01T09:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', maxLength: 30, example: '2026-12-01T09:30:00.000Z' })
  updatedAt!: string;
}

@ApiSchema({ name: 'PageMeta' })
export class PageMetaDto {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000, example: 1 })
  page!: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 100, example: 20 })
  limit!: number;

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, example: 42 })
  total!: number;

  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, example: 3 })
  totalPages!: number;
}

@ApiSchema({ name: 'UsersPage' })
export class UsersPageDto {
  @ApiProperty({ type: [UserResponseDto], maxItems: 100 })
  data!: UserResponseDto[];

  @ApiProperty({ type: PageMetaDto })
  meta!: PageMetaDto;
}
