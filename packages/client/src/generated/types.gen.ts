// Written by `npm run openapi` (@hey-api/openapi-ts) from openapi.json: edit the controllers
// and DTOs, not this file; a test fails while it differs from what that writes.

export type ClientOptions = {
  baseUrl: `${string}://${string}` | (string & {});
};

export type HealthCheckStates = {
  shutdown?: 'up' | 'down';
  database?: 'up' | 'down';
  /**
   * PostgreSQL and MySQL only
   */
  database_writable?: 'up' | 'down';
  /**
   * Only when Redis is configured
   */
  redis?: 'up' | 'down';
};

export type HealthSummary = {
  status: 'ok' | 'unavailable';
  summary: string;
  checks: HealthCheckStates;
};

export type Liveness = {
  status: 'ok';
};

export type HealthIndicator = {
  status: 'up' | 'down';
  /**
   * Why a dependency is down
   */
  message?: string;
  /**
   * Set on `shutdown` while the instance drains
   */
  reason?: 'draining';
  /**
   * How long the check took, in milliseconds
   */
  responseTime?: number;
};

export type HealthChecks = {
  /**
   * Down from the moment a shutdown starts
   */
  shutdown?: HealthIndicator;
  database?: HealthIndicator;
  /**
   * PostgreSQL and MySQL only: down while the server answers but refuses writes (a standby)
   */
  database_writable?: HealthIndicator;
  /**
   * Only when Redis is configured
   */
  redis?: HealthIndicator;
};

export type Readiness = {
  /**
   * `error` whenever one check is down
   */
  status: 'ok' | 'error';
  /**
   * The checks that are up
   */
  info?: HealthChecks;
  /**
   * The checks that are down
   */
  error?: HealthChecks;
  /**
   * Every check
   */
  details: HealthChecks;
};

export type RegisterRequest = {
  /**
   * Stored normalised (NFKC, trimmed, lower-cased) and compared exactly; no invisible or control characters
   */
  email: string;
  /**
   * Not one of the commonest passwords (a zxcvbn strength check)
   */
  password: string;
  name: string;
};

export type UserRole = 'user' | 'admin';

export type User = {
  id: string;
  /**
   * Always lower-cased
   */
  email: string;
  name: string;
  role: UserRole;
  isActive: boolean;
  /**
   * The owner proved the address by following a verification link
   */
  emailVerified: boolean;
  createdAt: string;
  updatedAt: string;
};

export type LoginRequest = {
  email: string;
  password: string;
};

export type TokenPair = {
  /**
   * JWT (HS256) to send as `Authorization: Bearer …`
   */
  accessToken: string;
  /**
   * Opaque, single use: each refresh returns a new one and spends the old
   */
  refreshToken: string;
  tokenType: 'Bearer';
  /**
   * Access token lifetime in seconds
   */
  expiresIn: number;
};

export type RefreshTokenRequest = {
  /**
   * Opaque; single use
   */
  refreshToken: string;
};

export type Session = {
  id: string;
  /**
   * When the login happened
   */
  createdAt: string;
  /**
   * Last refresh or request with one of its access tokens, to about a minute
   */
  lastUsedAt: string;
  /**
   * User-Agent of the login (at most 255 characters); null when none was sent
   */
  userAgent: string | null;
  /**
   * Client address of the login, as the service sees it behind TRUST_PROXY; null when unknown
   */
  ip: string | null;
  /**
   * Whether this is the session of the access token making the call
   */
  current: boolean;
};

export type VerifyEmailRequest = {
  /**
   * The token query parameter of the link in the mail; single use
   */
  token: string;
};

export type ForgotPasswordRequest = {
  email: string;
};

export type ResetPasswordRequest = {
  /**
   * The `token` parameter of the reset or invitation link (`/reset-password?token=…`)
   */
  token: string;
  /**
   * The new password: the rules of registration (8–128 characters, not one of the commonest)
   */
  password: string;
};

export type UpdateMeRequest = {
  name?: string;
  /**
   * New address; needs currentPassword. Normalised (NFKC, trimmed, lower-cased). The account keeps its current address until the link mailed to the new one is opened; your current address is told. Your current address again changes nothing.
   */
  email?: string;
  /**
   * New password; needs currentPassword; not one of the commonest passwords
   */
  password?: string;
  /**
   * Required when changing the password or the email
   */
  currentPassword?: string;
};

export type DeleteMeRequest = {
  /**
   * Your current password
   */
  currentPassword: string;
};

export type CreateUserRequest = {
  /**
   * Stored normalised (NFKC, trimmed, lower-cased) and compared exactly; no invisible or control characters
   */
  email: string;
  name: string;
  role?: UserRole;
  /**
   * Not one of the commonest passwords. Without it the user is invited by mail to choose one (a reset link valid for INVITATION_TTL) and cannot log in until then.
   */
  password?: string;
};

export type PageMeta = {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
};

export type UsersPage = {
  data: Array<User>;
  meta: PageMeta;
};

export type UpdateUserRequest = {
  name?: string;
  role?: UserRole;
  /**
   * false deactivates the user and revokes all their tokens
   */
  isActive?: boolean;
};

/**
 * One invalid field of a request
 */
export type FieldError = {
  /**
   * The field, dotted for nested ones
   */
  field: string;
  message: string;
};

/**
 * RFC 9457 problem details; every error answer has this body
 */
export type Problem = {
  /**
   * Stable problem type; switch on this. A URI reference to the page of the type (relative to the service), one of the registry at /problems.
   */
  type:
    | '/problems/validation_failed'
    | '/problems/malformed_json'
    | '/problems/too_deep'
    | '/problems/too_many_fields'
    | '/problems/nul_character'
    | '/problems/invalid_unicode'
    | '/problems/unreadable_body'
    | '/problems/bad_request'
    | '/problems/invalid_token'
    | '/problems/invalid_idempotency_key'
    | '/problems/unauthorized'
    | '/problems/token_expired'
    | '/problems/invalid_credentials'
    | '/problems/invalid_refresh_token'
    | '/problems/forbidden'
    | '/problems/email_not_verified'
    | '/problems/not_found'
    | '/problems/method_not_allowed'
    | '/problems/conflict'
    | '/problems/email_taken'
    | '/problems/email_already_verified'
    | '/problems/last_admin'
    | '/problems/idempotency_in_progress'
    | '/problems/payload_too_large'
    | '/problems/unsupported_media_type'
    | '/problems/unsupported_charset'
    | '/problems/unsupported_content_encoding'
    | '/problems/idempotency_key_reused'
    | '/problems/rate_limited'
    | '/problems/too_many_login_failures'
    | '/problems/internal_error'
    | '/problems/service_unavailable'
    | '/problems/database_unavailable'
    | '/problems/hashing_busy'
    | '/problems/login_limit_unavailable'
    | '/problems/rate_limit_unavailable'
    | '/problems/mail_unavailable'
    | '/problems/idempotency_unavailable';
  /**
   * The reason phrase of the status
   */
  title: string;
  status: number;
  /**
   * For people; its wording may change
   */
  detail: string;
  /**
   * The path and query asked for
   */
  instance: string;
  /**
   * The X-Request-Id of the request; quote it when reporting a failure
   */
  requestId: string;
  /**
   * Present on validation failures
   */
  errors?: Array<FieldError>;
};

export type MetricsScrapeData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/metrics';
};

export type MetricsScrapeErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
};

export type MetricsScrapeError = MetricsScrapeErrors[keyof MetricsScrapeErrors];

export type MetricsScrapeResponses = {
  /**
   * Request counters and latency by route template, process, pool and business metrics
   */
  200: string;
};

export type MetricsScrapeResponse = MetricsScrapeResponses[keyof MetricsScrapeResponses];

export type HealthSummaryData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/health';
};

export type HealthSummaryErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * A dependency is down, or the instance is shutting down
   */
  503: HealthSummary;
};

export type HealthSummaryError = HealthSummaryErrors[keyof HealthSummaryErrors];

export type HealthSummaryResponses = {
  /**
   * Every dependency answers
   */
  200: HealthSummary;
};

export type HealthSummaryResponse = HealthSummaryResponses[keyof HealthSummaryResponses];

export type HealthLiveData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/health/live';
};

export type HealthLiveErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
};

export type HealthLiveError = HealthLiveErrors[keyof HealthLiveErrors];

export type HealthLiveResponses = {
  200: Liveness;
};

export type HealthLiveResponse = HealthLiveResponses[keyof HealthLiveResponses];

export type HealthReadyData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/health/ready';
};

export type HealthReadyErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * Names the dependency that failed
   */
  503: Readiness;
};

export type HealthReadyError = HealthReadyErrors[keyof HealthReadyErrors];

export type HealthReadyResponses = {
  /**
   * Terminus' standard health body
   */
  200: Readiness;
};

export type HealthReadyResponse = HealthReadyResponses[keyof HealthReadyResponses];

export type AuthRegisterData = {
  body: RegisterRequest;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/auth/register';
};

export type AuthRegisterErrors = {
  /**
   * `validation_failed`: Invalid field (password: 8–128 characters and not too guessable) or unknown field
   *
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `email_taken`: An account with this email address exists already.
   *
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `rate_limited`: Over the registration budget of this client, or over the request budget
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
   *
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthRegisterError = AuthRegisterErrors[keyof AuthRegisterErrors];

export type AuthRegisterResponses = {
  201: User;
};

export type AuthRegisterResponse = AuthRegisterResponses[keyof AuthRegisterResponses];

export type AuthLoginData = {
  body: LoginRequest;
  path?: never;
  query?: never;
  url: '/api/v1/auth/login';
};

export type AuthLoginErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `invalid_credentials`: Wrong email or password, or account deactivated (one identical body for all)
   */
  401: Problem;
  /**
   * `email_not_verified`: The password is right, but REQUIRE_VERIFIED_EMAIL is on and the address is not verified yet.
   */
  403: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `too_many_login_failures`: Too many failed logins for this account or client
   *
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
   *
   * `login_limit_unavailable`: Failed password checks cannot be counted (Redis down) and LOGIN_FAIL_CLOSED is on.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthLoginError = AuthLoginErrors[keyof AuthLoginErrors];

export type AuthLoginResponses = {
  200: TokenPair;
};

export type AuthLoginResponse = AuthLoginResponses[keyof AuthLoginResponses];

export type AuthRefreshData = {
  body: RefreshTokenRequest;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/auth/refresh';
};

export type AuthRefreshErrors = {
  /**
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `invalid_refresh_token`: The refresh token is unknown, expired, already spent or revoked.
   */
  401: Problem;
  /**
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthRefreshError = AuthRefreshErrors[keyof AuthRefreshErrors];

export type AuthRefreshResponses = {
  200: TokenPair;
};

export type AuthRefreshResponse = AuthRefreshResponses[keyof AuthRefreshResponses];

export type AuthLogoutData = {
  body: RefreshTokenRequest;
  path?: never;
  query?: never;
  url: '/api/v1/auth/logout';
};

export type AuthLogoutErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `invalid_refresh_token`: The refresh token is not one of this login
   *
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthLogoutError = AuthLogoutErrors[keyof AuthLogoutErrors];

export type AuthLogoutResponses = {
  /**
   * Logged out
   */
  204: void;
};

export type AuthLogoutResponse = AuthLogoutResponses[keyof AuthLogoutResponses];

export type AuthEndOtherSessionsData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/api/v1/auth/sessions';
};

export type AuthEndOtherSessionsErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthEndOtherSessionsError = AuthEndOtherSessionsErrors[keyof AuthEndOtherSessionsErrors];

export type AuthEndOtherSessionsResponses = {
  /**
   * The other sessions are revoked
   */
  204: void;
};

export type AuthEndOtherSessionsResponse = AuthEndOtherSessionsResponses[keyof AuthEndOtherSessionsResponses];

export type AuthListSessionsData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/api/v1/auth/sessions';
};

export type AuthListSessionsErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthListSessionsError = AuthListSessionsErrors[keyof AuthListSessionsErrors];

export type AuthListSessionsResponses = {
  200: Array<Session>;
};

export type AuthListSessionsResponse = AuthListSessionsResponses[keyof AuthListSessionsResponses];

export type AuthEndSessionData = {
  body?: never;
  path: {
    /**
     * The id of one of your sessions
     */
    id: string;
  };
  query?: never;
  url: '/api/v1/auth/sessions/{id}';
};

export type AuthEndSessionErrors = {
  /**
   * `validation_failed`: id is not a UUID
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `not_found`: No such live session of yours (unknown, ended, or someone else's)
   */
  404: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthEndSessionError = AuthEndSessionErrors[keyof AuthEndSessionErrors];

export type AuthEndSessionResponses = {
  /**
   * The session is revoked
   */
  204: void;
};

export type AuthEndSessionResponse = AuthEndSessionResponses[keyof AuthEndSessionResponses];

export type AuthVerifyEmailData = {
  body: VerifyEmailRequest;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/auth/email/verify';
};

export type AuthVerifyEmailErrors = {
  /**
   * `invalid_token`: Unknown, expired, spent or superseded link, or an address changed since
   *
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `email_taken`: Another account took the new address meanwhile; the change was not made
   *
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthVerifyEmailError = AuthVerifyEmailErrors[keyof AuthVerifyEmailErrors];

export type AuthVerifyEmailResponses = {
  /**
   * Address verified, or email change applied
   */
  204: void;
};

export type AuthVerifyEmailResponse = AuthVerifyEmailResponses[keyof AuthVerifyEmailResponses];

export type AuthResendVerificationData = {
  body?: never;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/auth/email/resend';
};

export type AuthResendVerificationErrors = {
  /**
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `email_already_verified`: The address of the account is verified already; no mail was sent.
   *
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `rate_limited`: Too many verification mails for this account or client, or over the request budget
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `mail_unavailable`: The mail this request sends cannot be queued; nothing was changed.
   *
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthResendVerificationError = AuthResendVerificationErrors[keyof AuthResendVerificationErrors];

export type AuthResendVerificationResponses = {
  /**
   * The mail is queued
   */
  202: unknown;
};

export type AuthForgotPasswordData = {
  body: ForgotPasswordRequest;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/auth/password/forgot';
};

export type AuthForgotPasswordErrors = {
  /**
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `rate_limited`: Too many reset requests for this client or address, or over the request budget
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `mail_unavailable`: The mail this request sends cannot be queued; nothing was changed.
   *
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthForgotPasswordError = AuthForgotPasswordErrors[keyof AuthForgotPasswordErrors];

export type AuthForgotPasswordResponses = {
  /**
   * Queued; a mail follows when the address has an active account
   */
  202: unknown;
};

export type AuthResetPasswordData = {
  body: ResetPasswordRequest;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/auth/password/reset';
};

export type AuthResetPasswordErrors = {
  /**
   * `invalid_token`: Unknown, expired, spent or superseded link
   *
   * `validation_failed`: Invalid password (as at registration), or unknown field
   *
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `rate_limited`: Too many reset attempts from this client or for this account, or over the request budget
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
   *
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type AuthResetPasswordError = AuthResetPasswordErrors[keyof AuthResetPasswordErrors];

export type AuthResetPasswordResponses = {
  /**
   * Password set; every earlier access and refresh token is refused
   */
  204: void;
};

export type AuthResetPasswordResponse = AuthResetPasswordResponses[keyof AuthResetPasswordResponses];

export type UsersDeleteMeData = {
  body: DeleteMeRequest;
  path?: never;
  query?: never;
  url: '/api/v1/users/me';
};

export type UsersDeleteMeErrors = {
  /**
   * `validation_failed`: currentPassword missing or incorrect, or unknown field
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `last_admin`: You are the last active admin
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `too_many_login_failures`: Too many failed password attempts (logins or currentPassword)
   *
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
   *
   * `login_limit_unavailable`: Failed password checks cannot be counted (Redis down) and LOGIN_FAIL_CLOSED is on.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersDeleteMeError = UsersDeleteMeErrors[keyof UsersDeleteMeErrors];

export type UsersDeleteMeResponses = {
  /**
   * Deleted
   */
  204: void;
};

export type UsersDeleteMeResponse = UsersDeleteMeResponses[keyof UsersDeleteMeResponses];

export type UsersGetMeData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/api/v1/users/me';
};

export type UsersGetMeErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersGetMeError = UsersGetMeErrors[keyof UsersGetMeErrors];

export type UsersGetMeResponses = {
  200: User;
};

export type UsersGetMeResponse = UsersGetMeResponses[keyof UsersGetMeResponses];

export type UsersUpdateMeData = {
  body: UpdateMeRequest;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/users/me';
};

export type UsersUpdateMeErrors = {
  /**
   * `validation_failed`: Invalid field, unknown field, or currentPassword missing or incorrect
   *
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `email_taken`: An account with the new email exists
   *
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `too_many_login_failures`: Too many failed password attempts (logins or currentPassword)
   *
   * `rate_limited`: Too many email changes requested, or over the request budget
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
   *
   * `login_limit_unavailable`: Failed password checks cannot be counted (Redis down) and LOGIN_FAIL_CLOSED is on.
   *
   * `mail_unavailable`: The mails of an email change cannot be queued; nothing was changed
   *
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersUpdateMeError = UsersUpdateMeErrors[keyof UsersUpdateMeErrors];

export type UsersUpdateMeResponses = {
  /**
   * The user, with the current (not yet the new) email
   */
  200: User;
};

export type UsersUpdateMeResponse = UsersUpdateMeResponses[keyof UsersUpdateMeResponses];

export type UsersListData = {
  body?: never;
  path?: never;
  query?: {
    page?: number;
    limit?: number;
    /**
     * field:direction over createdAt, updatedAt, email, name, role
     */
    sort?:
      | 'createdAt:asc'
      | 'createdAt:desc'
      | 'updatedAt:asc'
      | 'updatedAt:desc'
      | 'email:asc'
      | 'email:desc'
      | 'name:asc'
      | 'name:desc'
      | 'role:asc'
      | 'role:desc';
    /**
     * Case-insensitive substring of name or email
     */
    search?: string;
    role?: UserRole;
  };
  url: '/api/v1/users';
};

export type UsersListErrors = {
  /**
   * `validation_failed`: Invalid page, limit, sort, search or role, or an unknown parameter
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `forbidden`: The caller is signed in, but its role does not allow this operation.
   */
  403: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersListError = UsersListErrors[keyof UsersListErrors];

export type UsersListResponses = {
  200: UsersPage;
};

export type UsersListResponse = UsersListResponses[keyof UsersListResponses];

export type UsersCreateData = {
  body: CreateUserRequest;
  headers?: {
    /**
     * A key of your choosing (a UUID) that makes a retry safe: the same key and body within IDEMPOTENCY_TTL replay the first answer instead of running again, on any instance. Per route and caller (anonymous callers share one scope per route, so make it unguessable). 1–255 printable ASCII characters as a bare key; the quoted form of the draft ("…") adds its two quotes, hence maxLength 257.
     */
    'Idempotency-Key'?: string;
  };
  path?: never;
  query?: never;
  url: '/api/v1/users';
};

export type UsersCreateErrors = {
  /**
   * `invalid_idempotency_key`: The Idempotency-Key header is empty, longer than 255 characters or holds a non-printable character.
   *
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `forbidden`: The caller is signed in, but its role does not allow this operation.
   */
  403: Problem;
  /**
   * `email_taken`: An account with this email address exists already.
   *
   * `idempotency_in_progress`: A request with this Idempotency-Key is still being processed, and did not finish within IDEMPOTENCY_WAIT.
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `idempotency_key_reused`: This Idempotency-Key was used for another request (another body, path or method) of this caller.
   */
  422: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
   *
   * `mail_unavailable`: Without a password: the invitation mail cannot be queued; no account was created
   *
   * `idempotency_unavailable`: The request carries an Idempotency-Key, but the store of answers (Redis) cannot be reached; nothing was done.
   *
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersCreateError = UsersCreateErrors[keyof UsersCreateErrors];

export type UsersCreateResponses = {
  201: User;
};

export type UsersCreateResponse = UsersCreateResponses[keyof UsersCreateResponses];

export type UsersDeleteData = {
  body?: never;
  path: {
    /**
     * The id of a user
     */
    id: string;
  };
  query?: never;
  url: '/api/v1/users/{id}';
};

export type UsersDeleteErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `forbidden`: The caller is signed in, but its role does not allow this operation.
   */
  403: Problem;
  /**
   * `not_found`: No user with this id
   */
  404: Problem;
  /**
   * `last_admin`: The user is the last active admin
   */
  409: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersDeleteError = UsersDeleteErrors[keyof UsersDeleteErrors];

export type UsersDeleteResponses = {
  /**
   * Deleted
   */
  204: void;
};

export type UsersDeleteResponse = UsersDeleteResponses[keyof UsersDeleteResponses];

export type UsersGetData = {
  body?: never;
  path: {
    /**
     * The id of a user
     */
    id: string;
  };
  query?: never;
  url: '/api/v1/users/{id}';
};

export type UsersGetErrors = {
  /**
   * `validation_failed`: id is not a UUID
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `not_found`: No such user, or someone else's
   */
  404: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersGetError = UsersGetErrors[keyof UsersGetErrors];

export type UsersGetResponses = {
  200: User;
};

export type UsersGetResponse = UsersGetResponses[keyof UsersGetResponses];

export type UsersUpdateData = {
  body: UpdateUserRequest;
  path: {
    /**
     * The id of a user
     */
    id: string;
  };
  query?: never;
  url: '/api/v1/users/{id}';
};

export type UsersUpdateErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   *
   * `malformed_json`: The request body is not valid JSON.
   *
   * `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
   */
  400: Problem;
  /**
   * `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
   *
   * `token_expired`: The access token has expired.
   */
  401: Problem;
  /**
   * `forbidden`: The caller is signed in, but its role does not allow this operation.
   */
  403: Problem;
  /**
   * `not_found`: No user with this id
   */
  404: Problem;
  /**
   * `last_admin`: The change would leave no active admin
   */
  409: Problem;
  /**
   * `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default).
   */
  413: Problem;
  /**
   * `unsupported_media_type`: The request has a body that is not JSON.
   *
   * `unsupported_charset`: The JSON body declares a charset other than UTF-8.
   *
   * `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
   */
  415: Problem;
  /**
   * `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
   */
  429: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
  /**
   * `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
   *
   * `database_unavailable`: The database does not answer (down, unreachable or out of connections), or refuses writes (a standby not yet promoted, during a failover).
   */
  503: Problem;
};

export type UsersUpdateError = UsersUpdateErrors[keyof UsersUpdateErrors];

export type UsersUpdateResponses = {
  200: User;
};

export type UsersUpdateResponse = UsersUpdateResponses[keyof UsersUpdateResponses];

export type ProblemsListData = {
  body?: never;
  path?: never;
  query?: never;
  url: '/problems';
};

export type ProblemsListErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
};

export type ProblemsListError = ProblemsListErrors[keyof ProblemsListErrors];

export type ProblemsListResponses = {
  /**
   * Every problem type with its status and meaning
   */
  200: string;
};

export type ProblemsListResponse = ProblemsListResponses[keyof ProblemsListResponses];

export type ProblemsGetData = {
  body?: never;
  path: {
    /**
     * The last segment of a problem `type`
     */
    code:
      | 'validation_failed'
      | 'malformed_json'
      | 'too_deep'
      | 'too_many_fields'
      | 'nul_character'
      | 'invalid_unicode'
      | 'unreadable_body'
      | 'bad_request'
      | 'invalid_token'
      | 'invalid_idempotency_key'
      | 'unauthorized'
      | 'token_expired'
      | 'invalid_credentials'
      | 'invalid_refresh_token'
      | 'forbidden'
      | 'email_not_verified'
      | 'not_found'
      | 'method_not_allowed'
      | 'conflict'
      | 'email_taken'
      | 'email_already_verified'
      | 'last_admin'
      | 'idempotency_in_progress'
      | 'payload_too_large'
      | 'unsupported_media_type'
      | 'unsupported_charset'
      | 'unsupported_content_encoding'
      | 'idempotency_key_reused'
      | 'rate_limited'
      | 'too_many_login_failures'
      | 'internal_error'
      | 'service_unavailable'
      | 'database_unavailable'
      | 'hashing_busy'
      | 'login_limit_unavailable'
      | 'rate_limit_unavailable'
      | 'mail_unavailable'
      | 'idempotency_unavailable';
  };
  query?: never;
  url: '/problems/{code}';
};

export type ProblemsGetErrors = {
  /**
   * `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
   *
   * `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
   *
   * `too_many_fields`: The JSON body has more fields in all than the service reads.
   *
   * `nul_character`: A string in the body contains a NUL character.
   *
   * `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
   */
  400: Problem;
  /**
   * `not_found`: No problem type has this code
   */
  404: Problem;
  /**
   * `internal_error`: The service failed. The body says nothing more; the logs of the request id do.
   */
  500: Problem;
};

export type ProblemsGetError = ProblemsGetErrors[keyof ProblemsGetErrors];

export type ProblemsGetResponses = {
  /**
   * When the service answers this type, and what to do about it
   */
  200: string;
};

export type ProblemsGetResponse = ProblemsGetResponses[keyof ProblemsGetResponses];
