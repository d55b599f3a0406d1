import type { Session } from '@/modules/users/sessions/entities/session.entity';
import type { SessionResponseDto } from './dto/session-response.dto';

/** The exposed fields of a session, listed one by one: never its revocation state or tokens. */
export function toSessionResponse(session: Session, currentSessionId: string): SessionResponseDto {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  };
}
