import { randomUUID } from 'node:crypto';
import { User } from '@/modules/users/entities/user.entity';

/** A persisted-looking user for unit specs; override only what the test is about. */
export function buildUser(overrides: Partial<User> = {}): User {
  const now = new Date('2026-01-01T00:00:00.000Z');
  return Object.assign(new User(), {
    id: randomUUID(),
    email: `user-${randomUUID().slice(0, 8)}@example.com`,
    name: 'Test User',
    role: 'user',
    isActive: true,
    emailVerified: false,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    sessionsValidAfter: new Date(0),
    createdAt: now,
    updatedAt: now,
    ...overrides,
  });
}
