import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { USER_ROLES, UserRole } from '../entities/user.entity';

export const SORTABLE_FIELDS = ['createdAt', 'updatedAt', 'email', 'name', 'role'] as const;
export type SortField = (typeof SORTABLE_FIELDS)[number];
const SORT_PATTERN = new RegExp(`^(${SORTABLE_FIELDS.join('|')}):(asc|desc)$`);

/**
 * Query of `GET /users`. Everything arrives as a string (implicit conversion is off), so
 * numbers are converted explicitly; `sort` is matched against a fixed list, never
 * interpolated, and `search` only ever travels as a bound parameter.
 */
export class ListUsersQueryDto {
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({
    enum: SORTABLE_FIELDS.flatMap((field) => [`${field}:asc`, `${field}:desc`]),
    description: `field:direction over ${SORTABLE_FIELDS.join(', ')}`,
    example: 'createdAt:desc',
    default: 'createdAt:desc',
  })
  @IsOptional()
  @IsString()
  @Matches(SORT_PATTERN, { message: `sort must be field:asc|desc with field one of ${SORTABLE_FIELDS.join(', ')}` })
  sort: string = 'createdAt:desc';

  @ApiPropertyOptional({ description: 'Case-insensitive substring of name or email', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  search?: string;

  @ApiPropertyOptional({ enum: USER_ROLES, enumName: 'UserRole' })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;
}
