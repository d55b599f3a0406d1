import type { User } from './entities/user.entity';
import type { UserResponseDto } from './dto/user-response.dto';

/**
 * The only way a user leaves the service: an explicit list of exposed fields, so a column
 * added to the entity (a hash, a revocation timestamp) is never serialised by accident.
 */
export function toUserResponse(user: User): UserResponseDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    isActive: user.isActive,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
