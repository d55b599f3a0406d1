import { createClient, type Client, type Config } from './generated/client/index.js';
import type { Problem } from './generated/types.gen.js';

// One function per operation of the document, named by its operationId (`authLogin`,
// `usersGetMe`, …), and the types of its schemas and operations (`User`, `UsersListData`, …).
export * from './generated/index.js';
export type {
  Auth,
  Client,
  Config,
  RequestOptions,
  RequestResult,
  ResolvedRequestOptions,
} from './generated/client/index.js';

/** The access token to send, or none (the request then goes without `Authorization`). */
export type AccessTokenGetter = () => string | null | undefined | Promise<string | null | undefined>;

export interface ApiClientOptions extends Omit<Config, 'auth' | 'baseUrl'> {
  /** The service's origin, such as `https://api.example.com`; the paths carry `/api/v1` themselves. */
  baseUrl: string;
  /**
   * Called before every request to an operation that takes a token: its value goes out as
   * `Authorization: Bearer <token>`. A request that carries `Authorization` already keeps it.
   */
  accessToken?: AccessTokenGetter;
}

/**
 * A fetch client for the API at `baseUrl`, to pass to the SDK functions as `client`:
 * `await usersGetMe({ client })`. Every other option (`fetch`, `headers`, `credentials`,
 * `throwOnError`, …) is the client's own; interceptors go in with
 * `client.interceptors.request.use()` and `.response.use()`.
 */
export function createApiClient({ accessToken, ...options }: ApiClientOptions): Client {
  const auth = accessToken && (async () => (await accessToken()) ?? undefined);
  return createClient({ ...options, ...(auth ? { auth } : {}) });
}

/** Whether `value` (an `error` of a call, say) is a problem body. */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const { type, status } = value as Record<string, unknown>;
  return typeof type === 'string' && typeof status === 'number';
}

/** The `type` of a problem body, the stable identifier to switch on; undefined for anything else. */
export function problemType(value: unknown): Problem['type'] | undefined {
  return isProblem(value) ? value.type : undefined;
}

/**
 * The code a problem's `type` ends in (`invalid_token` for `/problems/invalid_token` or
 * `urn:problem:invalid_token`); undefined for anything but a problem body.
 */
export function problemCode(value: unknown): string | undefined {
  return problemType(value)?.split(/[/:]/).pop();
}
