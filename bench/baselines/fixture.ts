/**
 * What every baseline answers: the shape and size of a `GET /api/v1/users/me` body, so the
 * baselines and the service serialise the same amount of JSON.
 */
export const USER_FIXTURE = {
  id: '6f1c2a5e-8a4b-4d7e-9c3f-2b1a0e9d8c7b',
  email: 'bench-user@example.com',
  name: 'Bench User',
  role: 'user',
  isActive: true,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
} as const;

export const portFromEnv = (): number => Number(process.env.PORT ?? 0);
