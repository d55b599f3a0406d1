import type { HttpRequest } from '@/common/http/platform';
import { isIP } from 'node:net';
import { clientOf } from '@/common/http/client-address';
import type { SessionClient } from '@/modules/users/sessions/sessions.service';

/** The `sessions.user_agent` column's width, in characters. */
export const USER_AGENT_MAX_CHARS = 255;

/**
 * Where a login comes from, as its owner will see it in the session list. The User-Agent is
 * cut by code points, never inside a surrogate pair (which PostgreSQL and MySQL refuse). The
 * address is the one TRUST_PROXY resolves; with a proxy trusted it comes from
 * X-Forwarded-For, so anything that is not an IP address is stored as unknown.
 */
export function sessionClientOf(req: HttpRequest): SessionClient {
  const agent = req.headers['user-agent']?.trim();
  const ip = clientOf(req);
  return {
    userAgent: agent ? Array.from(agent).slice(0, USER_AGENT_MAX_CHARS).join('') : null,
    ip: isIP(ip) !== 0 ? ip : null,
  };
}
