/**
 * Injection token of the process's one Redis client (`RedisClient | null`). `null` means
 * Redis is not configured: the service runs as a single node and every user of the token
 * falls back to an in-process equivalent.
 */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
