import createClient from 'openapi-fetch';
import type { Client, ClientOptions, Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, operations, paths } from './schema.js';
export type { Middleware } from 'openapi-fetch';

/** The client: `GET`, `POST`, `PATCH`, `DELETE`, … typed by path, body and answer. */
export type ApiClient = Client<paths>;

/** The RFC 9457 body of every error the API answers (`application/problem+json`). */
export type Problem = components['schemas']['Problem'];

/** The access token to send, or none (the request then goes without `Authorization`). */
export type AccessTokenGetter = () => string | null | undefined | Promise<string | null | undefined>;

export interface ApiClientOptions extends ClientOptions {
  /** The service's origin, such as `https://api.example.com`; the paths carry `/api/v1` themselves. */
  baseUrl: string;
  /** Called before every request: its token goes out as `Authorization: Bearer <token>` (see `bearerAuth`). */
  accessToken?: AccessTokenGetter;
}

/**
 * An openapi-fetch client for the API at `baseUrl`. Every other option (`fetch`, `headers`,
 * `credentials`, …) is openapi-fetch's own; more middleware goes in with `client.use()`.
 */
export function createApiClient({ accessToken, ...options }: ApiClientOptions): ApiClient {
  const client = createClient<paths>(options);
  if (accessToken) client.use(bearerAuth(accessToken));
  return client;
}

/**
 * Middleware that sets `Authorization: Bearer <token>` from `accessToken`, asked afresh for each
 * request, so a refreshed token is used from the next request on. A request that already carries
 * `Authorization` (passed in its own `headers`) keeps it.
 */
export function bearerAuth(accessToken: AccessTokenGetter): Middleware {
  return {
    async onRequest({ request }) {
      if (request.headers.has('Authorization')) return undefined;
      const token = await accessToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  };
}

/** Whether `value` (an `error` of the client, say) is a problem body. */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const { type, status } = value as Record<string, unknown>;
  return typeof type === 'string' && typeof status === 'number';
}

/** The `type` of a problem body, the stable identifier to switch on; undefined for anything else. */
export function problemType(value: unknown): string | undefined {
  return isProblem(value) ? value.type : undefined;
}

/**
 * The code a problem's `type` ends in (`invalid_token` for `…/problems/invalid_token` or
 * `urn:problem:invalid_token`); undefined for anything but a problem body.
 */
export function problemCode(value: unknown): string | undefined {
  return problemType(value)?.split(/[/:]/).pop();
}
