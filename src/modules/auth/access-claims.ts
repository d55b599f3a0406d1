import type { UserRole } from '@/modules/users/entities/user.entity';

/** The claims of an access token. `typ` keeps any other token we might sign from passing as one. */
export interface AccessClaims {
  sub: string;
  role: UserRole;
  sid: string;
  jti: string;
  typ: 'access';
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

export const ACCESS_TOKEN_TYPE = 'access';
