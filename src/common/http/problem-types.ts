/**
 * The registry of problem types: every `type` a problem body can carry. Clients switch on
 * `type`, so an entry's code never changes meaning once shipped. The OpenAPI document
 * enumerates them, each has a page (docs/problems/<code>.md, served at /problems/<code>),
 * and `ProblemException` accepts no other code, so nothing can be answered unregistered.
 */
export interface ProblemTypeInfo {
  /** The status this type is answered with. */
  readonly status: number;
  /** When the service answers it, in one sentence. */
  readonly summary: string;
  /** What a client should do about it. */
  readonly remedy: string;
}

const RETRY_AFTER = 'Wait the number of seconds in the Retry-After header, then repeat the same request.';

export const PROBLEM_TYPES = {
  validation_failed: {
    status: 400,
    summary: 'A field of the body, the query or the path is missing, malformed, out of range or unknown.',
    remedy: 'Fix the fields listed in `errors` (one entry per field, with what is wrong) and send the request again.',
  },
  malformed_json: {
    status: 400,
    summary: 'The request body is not valid JSON.',
    remedy: 'Send a well-formed JSON document encoded as UTF-8.',
  },
  too_deep: {
    status: 400,
    summary: 'The JSON body nests objects or arrays deeper than the service reads.',
    remedy: 'Send the flat body the operation documents.',
  },
  too_many_fields: {
    status: 400,
    summary: 'The JSON body has more fields in all than the service reads.',
    remedy: 'Send only the fields the operation documents.',
  },
  nul_character: {
    status: 400,
    summary: 'A string in the body contains a NUL character.',
    remedy: 'Remove the NUL characters; no field accepts them.',
  },
  invalid_unicode: {
    status: 400,
    summary: 'A string in the body contains an unpaired UTF-16 surrogate, which is not text.',
    remedy: 'Send valid Unicode text.',
  },
  unreadable_body: {
    status: 400,
    summary: 'The request body could not be read (cut short, or its length header is wrong).',
    remedy: 'Send the complete body with a correct Content-Length, or chunked.',
  },
  bad_request: {
    status: 400,
    summary: 'The request is malformed in a way no more specific type describes.',
    remedy: 'Check the request against the operation in the OpenAPI document.',
  },
  invalid_token: {
    status: 400,
    summary: 'The token of a mailed link is unknown, expired, already used or replaced by a newer link.',
    remedy: 'Ask for a new link (resend the verification mail, or start the password reset again).',
  },
  invalid_idempotency_key: {
    status: 400,
    summary: 'The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.',
    remedy: 'Send 1–255 printable ASCII characters, such as a UUID, or leave the header out.',
  },
  unauthorized: {
    status: 401,
    summary: 'The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.',
    remedy: 'Log in again (POST /api/v1/auth/login) and send the new access token as `Authorization: Bearer …`.',
  },
  token_expired: {
    status: 401,
    summary: 'The access token has expired.',
    remedy: 'Exchange the refresh token for a new pair (POST /api/v1/auth/refresh) and repeat the request.',
  },
  invalid_credentials: {
    status: 401,
    summary: 'The email or the password is wrong, or the account is deactivated; the answer does not say which.',
    remedy: 'Ask the user to check both; after repeated failures the login is refused with too_many_login_failures.',
  },
  invalid_refresh_token: {
    status: 401,
    summary: 'The refresh token is unknown, expired, already spent or revoked.',
    remedy:
      'Log in again. Presenting a spent refresh token revokes its whole login, so keep only the newest token of a pair.',
  },
  forbidden: {
    status: 403,
    summary: 'The caller is signed in, but its role does not allow this operation.',
    remedy: 'Do not retry; the operation needs the admin role.',
  },
  email_not_verified: {
    status: 403,
    summary: 'The password is right, but REQUIRE_VERIFIED_EMAIL is on and the address is not verified yet.',
    remedy: 'Follow the link of the verification mail; a password reset verifies the address too.',
  },
  not_found: {
    status: 404,
    summary: 'No route matches the path, or the record does not exist or is not visible to the caller.',
    remedy: 'Check the path and the id; the answer is the same whether a record is missing or someone else’s.',
  },
  method_not_allowed: {
    status: 405,
    summary: 'The path exists, but not with this method.',
    remedy: 'Use one of the methods in the Allow header.',
  },
  conflict: {
    status: 409,
    summary: 'The request conflicts with the current state in a way no more specific type describes.',
    remedy: 'Read the current state again before repeating the change.',
  },
  email_taken: {
    status: 409,
    summary: 'An account with this email address exists already.',
    remedy: 'Use another address, or log in (or reset the password) with this one.',
  },
  email_already_verified: {
    status: 409,
    summary: 'The address of the account is verified already; no mail was sent.',
    remedy: 'Nothing to do.',
  },
  last_admin: {
    status: 409,
    summary: 'The change would leave no active admin (demoting, deactivating or deleting the last one).',
    remedy: 'Make another user an active admin first.',
  },
  idempotency_in_progress: {
    status: 409,
    summary:
      'A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.',
    remedy: 'Wait the number of seconds in the Retry-After header, then repeat the same request with the same key.',
  },
  payload_too_large: {
    status: 413,
    summary: 'The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).',
    remedy: 'Send a smaller body; no operation needs more.',
  },
  unsupported_media_type: {
    status: 415,
    summary: 'The request has a body that is not JSON.',
    remedy: 'Send the body as `Content-Type: application/json`.',
  },
  unsupported_charset: {
    status: 415,
    summary: 'The JSON body declares a charset other than UTF-8.',
    remedy: 'Send the body as UTF-8.',
  },
  unsupported_content_encoding: {
    status: 415,
    summary: 'The body is compressed with an encoding the service does not read.',
    remedy: 'Send it uncompressed, or with gzip, deflate or br.',
  },
  idempotency_key_reused: {
    status: 422,
    summary: 'This Idempotency-Key was used for another request (another body, path or method) of this caller.',
    remedy: 'Use a new key for a new request; repeat a request only with exactly the body its key was first sent with.',
  },
  rate_limited: {
    status: 429,
    summary: 'The client spent its request budget, or a budget of this action (registrations, mails, changes).',
    remedy: RETRY_AFTER,
  },
  too_many_login_failures: {
    status: 429,
    summary: 'Too many failed password checks for this account or from this client; the password is not checked.',
    remedy: RETRY_AFTER,
  },
  internal_error: {
    status: 500,
    summary: 'The service failed. The body says nothing more; the logs of the request id do.',
    remedy: 'Report the requestId of the body. Repeating a state-changing request may repeat its effect.',
  },
  service_unavailable: {
    status: 503,
    summary: 'A dependency of the service is unavailable.',
    remedy: 'Retry with backoff.',
  },
  database_unavailable: {
    status: 503,
    summary:
      'The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).',
    remedy: `${RETRY_AFTER} Readiness (GET /health/ready) tells when the instance can serve again.`,
  },
  hashing_busy: {
    status: 503,
    summary: 'Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.',
    remedy: RETRY_AFTER,
  },
  login_limit_unavailable: {
    status: 503,
    summary: 'Failed password checks cannot be counted (Redis down) and LOGIN_FAIL_CLOSED is on.',
    remedy: RETRY_AFTER,
  },
  rate_limit_unavailable: {
    status: 503,
    summary: 'A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.',
    remedy: RETRY_AFTER,
  },
  mail_unavailable: {
    status: 503,
    summary: 'The mail this request sends cannot be queued; nothing was changed.',
    remedy: RETRY_AFTER,
  },
  idempotency_unavailable: {
    status: 503,
    summary:
      'The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.',
    remedy: RETRY_AFTER,
  },
} as const satisfies Record<string, ProblemTypeInfo>;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

export const PROBLEM_CODES = Object.keys(PROBLEM_TYPES) as ProblemCode[];

/** Where the problem type pages are served, outside the API prefix like the probes. */
export const PROBLEM_PAGES_PATH = 'problems';

/**
 * The `type` of a problem: a URI reference to its page, relative to the service that answered
 * (RFC 9457 §3.1.1), so it is the same string on every deployment and resolves on each.
 */
export const problemType = (code: ProblemCode): string => `/${PROBLEM_PAGES_PATH}/${code}`;

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEM_TYPES, code);
