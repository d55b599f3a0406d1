import type { HttpRequest } from '@/common/http/platform';

/**
 * The client address as express resolves it (X-Forwarded-For only when TRUST_PROXY says
 * so): what per-client limits count, so a forged header changes nothing with it off.
 */
export const clientOf = (req: HttpRequest): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';
