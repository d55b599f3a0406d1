import { randomUUID } from 'node:crypto';
import { Session } from '@/modules/users/sessions/entities/session.entity';

/** A persisted-looking live session for unit specs; override only what the test is about. */
export function buildSession(overrides: Partial<Session> = {}): Session {
  const createdAt = new Date('2026-01-01T00:00:00.000Z');
  return Object.assign(new Session(), {
    id: randomUUID(),
    userId: randomUUID(),
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 7 * 24 * 3600_000),
    revokedAt: null,
    revokeReason: null,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    ip: '203.0.113.7',
    lastUsedAt: createdAt,
    ...overrides,
  });
}
