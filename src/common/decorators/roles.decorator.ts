import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '@/modules/users/entities/user.entity';

export const ROLES_KEY = 'roles';

/** Narrows a route (or controller) to callers holding one of these roles; checked by RolesGuard. */
export const Roles = (...roles: UserRole[]) => SetMetadata(ROLES_KEY, roles);
