/**
 * The types of openapi.json, written by `npm run openapi` with openapi-typescript.
 * Edit the controllers and DTOs, not this file: a test fails while it differs from what that writes.
 */

export interface paths {
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics in the text exposition format
     * @description For Prometheus; docs/operations.md lists every metric. Not throttled, no token needed.
     */
    get: operations['metrics.scrape'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Human-readable summary of readiness, for a "verify the deployment" step
     * @description The readiness result with a sentence naming what is down. Not throttled, no token needed.
     */
    get: operations['health.summary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness probe: the process can serve; touches no dependency
     * @description For a liveness probe: failing it restarts the process, so it never depends on the database or Redis.
     */
    get: operations['health.live'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Readiness probe: database (and Redis when configured) answer, not shutting down
     * @description For a readiness probe or a load balancer check: 503 takes the instance out of rotation.
     */
    get: operations['health.ready'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/register': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Create an account (role user)
     * @description The account starts unverified (`emailVerified: false`); a welcome mail with a verification link is queued. Counts against the registration budget of the client.
     */
    post: operations['auth.register'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Exchange email and password for an access and a refresh token
     * @description Starts a session (see GET /auth/sessions). An unknown email and a wrong password get the same answer in about the same time; failures are counted per account and per client.
     */
    post: operations['auth.login'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Rotate a refresh token into a new pair
     * @description The presented token is spent. Presenting a spent token again revokes its whole login.
     */
    post: operations['auth.refresh'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * End this login: the access token and its refresh tokens stop working
     * @description Send the refresh token of this login. Both tokens are refused on every instance at once.
     */
    post: operations['auth.logout'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Your live sessions, newest first
     * @description Each login is a session until it is revoked or expires; `current` marks this one. At most the newest 100 are listed.
     */
    get: operations['auth.listSessions'];
    put?: never;
    post?: never;
    /**
     * End every session but this one
     * @description Their access and refresh tokens stop working on every instance at once.
     */
    delete: operations['auth.endOtherSessions'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * End one of your sessions
     * @description Its access and refresh tokens stop working on every instance at once. Ending the current session is a logout. Someone else's session id answers 404, exactly like an unknown one.
     */
    delete: operations['auth.endSession'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/email/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Follow the link of a verification or email change mail
     * @description Send the token of the link (`<APP_PUBLIC_URL>/verify-email?token=…`). A verification link marks the address verified, as long as it is still the account’s address; an email change link moves the account to the new address, verified, and voids the user’s other verification and change links. Sessions stay valid. No sign-in needed: the link itself proves the mailbox.
     */
    post: operations['auth.verifyEmail'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/email/resend': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Mail a new verification link to your address
     * @description Queues the mail and answers at once; its link supersedes every earlier verification link. Counts against the resend budget of this client and of the account (ACCOUNT_ACTION_*).
     */
    post: operations['auth.resendVerification'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/password/forgot': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Mail a password reset link to this address, if it has an account
     * @description The answer is the same, empty 202 whether or not the address has an account; only the owner of the mailbox learns which (a link valid for PASSWORD_RESET_TTL, or no mail at all).
     */
    post: operations['auth.forgotPassword'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/password/reset': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Set a new password with the token of a reset or invitation link
     * @description Spends the link, verifies the address it was mailed to, and ends every session of the account on every node.
     */
    post: operations['auth.resetPassword'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/users/me': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The signed-in user
     * @description The account of the access token, as it is now (a change by an admin shows at once).
     */
    get: operations['users.getMe'];
    put?: never;
    post?: never;
    /**
     * Delete your own account
     * @description Needs currentPassword. The account is erased (docs/security.md, "Deleting an account"), every one of its tokens stops working on every node at once, and the email can register again. A wrong currentPassword counts as a failed login of your account from this client. The last active admin cannot delete itself (409 last_admin).
     */
    delete: operations['users.deleteMe'];
    options?: never;
    head?: never;
    /**
     * Change your name, password or email
     * @description A password change needs currentPassword and revokes all your other sessions; this one stays valid. An email change needs currentPassword too and is only requested: the answer still shows your current address, a link goes to the new one (the change happens when it is opened, through POST /auth/email/verify, valid for EMAIL_VERIFY_TTL), and your current address is told. Your current address again changes nothing and sends no mail. Both may come in one request; currentPassword is checked once. A wrong currentPassword counts as a failed login of your account from this client. Role and activation cannot be changed here (unknown fields are refused).
     */
    patch: operations['users.updateMe'];
    trace?: never;
  };
  '/api/v1/users': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List users (admin)
     * @description Paginated; search matches name or email.
     */
    get: operations['users.list'];
    put?: never;
    /**
     * Create a user (admin)
     * @description In any role (default user), with a password the admin hands over; no welcome mail is sent. Without a password the user is invited: a mail to the address carries a link to <APP_PUBLIC_URL>/reset-password?token=… (valid for INVITATION_TTL, once), whose token POST /auth/password/reset accepts to set the password; until then the account cannot log in. If the invitation cannot be queued, no account is created (503 mail_unavailable).
     */
    post: operations['users.create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/users/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One user (admin, or that user)
     * @description Someone else's id answers 404 to a non-admin, so ids cannot be probed.
     */
    get: operations['users.get'];
    put?: never;
    post?: never;
    /**
     * Delete a user (admin)
     * @description That user’s tokens stop working at once. The last active admin cannot be deleted (409 last_admin).
     */
    delete: operations['users.delete'];
    options?: never;
    head?: never;
    /**
     * Change a user (admin)
     * @description isActive: false revokes all of that user’s tokens at once. The last active admin cannot be demoted or deactivated (409 last_admin).
     */
    patch: operations['users.update'];
    trace?: never;
  };
  '/problems': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The registry of problem types (Markdown)
     * @description Every `type` an error answer can carry, with its status and meaning.
     */
    get: operations['problems.list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/problems/{code}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The page of one problem type (Markdown)
     * @description What a problem `type` (`/problems/<code>`) resolves to: when it is answered, and what to do.
     */
    get: operations['problems.get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    HealthCheckStates: {
      /** @enum {string} */
      shutdown?: 'up' | 'down';
      /** @enum {string} */
      database?: 'up' | 'down';
      /**
       * @description Only when Redis is configured
       * @enum {string}
       */
      redis?: 'up' | 'down';
    };
    HealthSummary: {
      /** @enum {string} */
      status: 'ok' | 'unavailable';
      /** @example Ready: every dependency answers. */
      summary: string;
      checks: components['schemas']['HealthCheckStates'];
    };
    Liveness: {
      /** @enum {string} */
      status: 'ok';
    };
    HealthIndicator: {
      /** @enum {string} */
      status: 'up' | 'down';
      /** @description Why a dependency is down */
      message?: string;
      /**
       * @description Set on `shutdown` while the instance drains
       * @enum {string}
       */
      reason?: 'draining';
      /** @description How long the check took, in milliseconds */
      responseTime?: number;
    };
    HealthChecks: {
      /** @description Down from the moment a shutdown starts */
      shutdown?: components['schemas']['HealthIndicator'];
      database?: components['schemas']['HealthIndicator'];
      /** @description Only when Redis is configured */
      redis?: components['schemas']['HealthIndicator'];
    };
    Readiness: {
      /**
       * @description `error` whenever one check is down
       * @enum {string}
       */
      status: 'ok' | 'error';
      /** @description The checks that are up */
      info?: components['schemas']['HealthChecks'];
      /** @description The checks that are down */
      error?: components['schemas']['HealthChecks'];
      /** @description Every check */
      details: components['schemas']['HealthChecks'];
    };
    RegisterRequest: {
      /**
       * Format: idn-email
       * @description Stored normalised (NFKC, trimmed, lower-cased) and compared exactly; no invisible or control characters
       * @example ada@example.com
       */
      email: string;
      /**
       * @description Not one of the commonest passwords (a zxcvbn strength check)
       * @example correct horse battery
       */
      password: string;
      /** @example Ada Lovelace */
      name: string;
    };
    /** @enum {string} */
    UserRole: 'user' | 'admin';
    User: {
      /**
       * Format: uuid
       * @example 3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f
       */
      id: string;
      /**
       * Format: idn-email
       * @description Always lower-cased
       * @example ada@example.com
       */
      email: string;
      /** @example Ada Lovelace */
      name: string;
      /** @example user */
      role: components['schemas']['UserRole'];
      /** @example true */
      isActive: boolean;
      /**
       * @description The owner proved the address by following a verification link
       * @example false
       */
      emailVerified: boolean;
      /**
       * Format: date-time
       * @example 2026-12-01T09:30:00.000Z
       */
      createdAt: string;
      /**
       * Format: date-time
       * @example 2026-12-01T09:30:00.000Z
       */
      updatedAt: string;
    };
    LoginRequest: {
      /**
       * Format: idn-email
       * @example ada@example.com
       */
      email: string;
      /** @example correct horse battery */
      password: string;
    };
    TokenPair: {
      /**
       * @description JWT (HS256) to send as `Authorization: Bearer …`
       * @example eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzZjFjMmQ0ZSJ9.c2lnbmF0dXJl
       */
      accessToken: string;
      /**
       * @description Opaque, single use: each refresh returns a new one and spends the old
       * @example mZ3vYc9QeK1tR0pL7xW2sN5uB8dF4gH6jA3kE1oI9yT
       */
      refreshToken: string;
      /**
       * @example Bearer
       * @enum {string}
       */
      tokenType: 'Bearer';
      /**
       * Format: int32
       * @description Access token lifetime in seconds
       * @example 900
       */
      expiresIn: number;
    };
    RefreshTokenRequest: {
      /**
       * @description Opaque; single use
       * @example mZ3vYc9QeK1tR0pL7xW2sN5uB8dF4gH6jA3kE1oI9yT
       */
      refreshToken: string;
    };
    Session: {
      /**
       * Format: uuid
       * @example 9b2e6c1a-4f3d-4e8b-a7c5-1d2e3f4a5b6c
       */
      id: string;
      /**
       * Format: date-time
       * @description When the login happened
       */
      createdAt: string;
      /**
       * Format: date-time
       * @description Last refresh or request with one of its access tokens, to about a minute
       */
      lastUsedAt: string;
      /**
       * @description User-Agent of the login (at most 255 characters); null when none was sent
       * @example Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0
       */
      userAgent: string | null;
      /**
       * @description Client address of the login, as the service sees it behind TRUST_PROXY; null when unknown
       * @example 203.0.113.7
       */
      ip: string | null;
      /**
       * @description Whether this is the session of the access token making the call
       * @example true
       */
      current: boolean;
    };
    VerifyEmailRequest: {
      /**
       * @description The token query parameter of the link in the mail; single use
       * @example q3Zk8V1cJm0yR2xWfH7tLw9bN4sD6aE5uPiGoTjKlMn
       */
      token: string;
    };
    ForgotPasswordRequest: {
      /**
       * Format: idn-email
       * @example ada@example.com
       */
      email: string;
    };
    ResetPasswordRequest: {
      /**
       * @description The `token` parameter of the reset or invitation link (`/reset-password?token=…`)
       * @example q3Wv0m1yS8b5G2pZ7kXcR4tN6uJ9hA0eL1dF3gH5iK7
       */
      token: string;
      /**
       * @description The new password: the rules of registration (8–128 characters, not one of the commonest)
       * @example correct horse battery
       */
      password: string;
    };
    UpdateMeRequest: {
      /** @example Ada King */
      name?: string;
      /**
       * Format: idn-email
       * @description New address; needs currentPassword. Normalised (NFKC, trimmed, lower-cased). The account keeps its current address until the link mailed to the new one is opened; your current address is told. Your current address again changes nothing.
       * @example ada.king@example.com
       */
      email?: string;
      /** @description New password; needs currentPassword; not one of the commonest passwords */
      password?: string;
      /**
       * @description Required when changing the password or the email
       * @example correct horse battery
       */
      currentPassword?: string;
    };
    DeleteMeRequest: {
      /**
       * @description Your current password
       * @example correct horse battery
       */
      currentPassword: string;
    };
    CreateUserRequest: {
      /**
       * Format: idn-email
       * @description Stored normalised (NFKC, trimmed, lower-cased) and compared exactly; no invisible or control characters
       * @example grace@example.com
       */
      email: string;
      /** @example Grace Hopper */
      name: string;
      /** @default user */
      role?: components['schemas']['UserRole'];
      /** @description Not one of the commonest passwords. Without it the user is invited by mail to choose one (a reset link valid for INVITATION_TTL) and cannot log in until then. */
      password?: string;
    };
    PageMeta: {
      /**
       * Format: int32
       * @example 1
       */
      page: number;
      /**
       * Format: int32
       * @example 20
       */
      limit: number;
      /**
       * Format: int64
       * @example 42
       */
      total: number;
      /**
       * Format: int64
       * @example 3
       */
      totalPages: number;
    };
    UsersPage: {
      data: components['schemas']['User'][];
      meta: components['schemas']['PageMeta'];
    };
    UpdateUserRequest: {
      /** @example Ada King */
      name?: string;
      role?: components['schemas']['UserRole'];
      /** @description false deactivates the user and revokes all their tokens */
      isActive?: boolean;
    };
    /** @description One invalid field of a request */
    FieldError: {
      /**
       * @description The field, dotted for nested ones
       * @example email
       */
      field: string;
      /** @example email must be an email */
      message: string;
    };
    /** @description RFC 9457 problem details; every error answer has this body */
    Problem: {
      /**
       * @description Stable problem type; switch on this. A URI reference to the page of the type (relative to the service), one of the registry at /problems.
       * @example /problems/validation_failed
       * @enum {string}
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
        | '/problems/payload_too_large'
        | '/problems/unsupported_media_type'
        | '/problems/unsupported_charset'
        | '/problems/unsupported_content_encoding'
        | '/problems/rate_limited'
        | '/problems/too_many_login_failures'
        | '/problems/internal_error'
        | '/problems/service_unavailable'
        | '/problems/database_unavailable'
        | '/problems/hashing_busy'
        | '/problems/login_limit_unavailable'
        | '/problems/rate_limit_unavailable'
        | '/problems/mail_unavailable';
      /**
       * @description The reason phrase of the status
       * @example Bad Request
       */
      title: string;
      /**
       * Format: int32
       * @example 400
       */
      status: number;
      /**
       * @description For people; its wording may change
       * @example The request is not valid; see errors for each field.
       */
      detail: string;
      /**
       * @description The path and query asked for
       * @example /api/v1/auth/register
       */
      instance: string;
      /**
       * @description The X-Request-Id of the request; quote it when reporting a failure
       * @example 5f0c6f2e-7a53-4f5e-9a8e-2d7c1b0f3e11
       */
      requestId: string;
      /** @description Present on validation failures */
      errors?: components['schemas']['FieldError'][];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: {
    /** @description The id of this request in every log line about it: the caller’s own when it sent a sane one, else a UUID */
    'X-Request-Id': string;
    /** @description API answers are per caller: no cache may keep them */
    'Cache-Control': 'no-store';
    /** @description The client’s request budget per window (THROTTLE_LIMIT per THROTTLE_TTL) */
    'X-RateLimit-Limit': number;
    /** @description Requests left in the current window */
    'X-RateLimit-Remaining': number;
    /** @description Seconds until the current window ends */
    'X-RateLimit-Reset': number;
    /** @description Seconds to wait before repeating the request */
    'Retry-After': number;
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  'metrics.scrape': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Request counters and latency by route template, process, pool and business metrics */
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'health.summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every dependency answers */
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthSummary'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description A dependency is down, or the instance is shutting down */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthSummary'];
        };
      };
    };
  };
  'health.live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Liveness'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'health.ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Terminus' standard health body */
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Readiness'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description Names the dependency that failed */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Readiness'];
        };
      };
    };
  };
  'auth.register': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RegisterRequest'];
      };
    };
    responses: {
      201: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /**
       * @description `validation_failed`: Invalid field (password: 8–128 characters and not too guessable) or unknown field
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `email_taken`: An account with this email address exists already. */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: Over the registration budget of this client, or over the request budget */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['LoginRequest'];
      };
    };
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TokenPair'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `invalid_credentials`: Wrong email or password, or account deactivated (one identical body for all) */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `email_not_verified`: The password is right, but REQUIRE_VERIFIED_EMAIL is on and the address is not verified yet. */
      403: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `too_many_login_failures`: Too many failed logins for this account or client
       *
       *     `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
       */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
       *
       *     `login_limit_unavailable`: Failed password checks cannot be counted (Redis down) and LOGIN_FAIL_CLOSED is on.
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RefreshTokenRequest'];
      };
    };
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TokenPair'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `invalid_refresh_token`: The refresh token is unknown, expired, already spent or revoked. */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RefreshTokenRequest'];
      };
    };
    responses: {
      /** @description Logged out */
      204: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `invalid_refresh_token`: The refresh token is not one of this login
       *
       *     `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.listSessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Session'][];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.endOtherSessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The other sessions are revoked */
      204: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.endSession': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The id of one of your sessions */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The session is revoked */
      204: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `validation_failed`: id is not a UUID
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `not_found`: No such live session of yours (unknown, ended, or someone else's) */
      404: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.verifyEmail': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['VerifyEmailRequest'];
      };
    };
    responses: {
      /** @description Address verified, or email change applied */
      204: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `invalid_token`: Unknown, expired, spent or superseded link, or an address changed since
       *
       *     `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `email_taken`: Another account took the new address meanwhile; the change was not made */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.resendVerification': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The mail is queued */
      202: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `email_already_verified`: The address of the account is verified already; no mail was sent. */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: Too many verification mails for this account or client, or over the request budget */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `mail_unavailable`: The mail this request sends cannot be queued; nothing was changed.
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.forgotPassword': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ForgotPasswordRequest'];
      };
    };
    responses: {
      /** @description Queued; a mail follows when the address has an active account */
      202: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: Too many reset requests for this client or address, or over the request budget */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `mail_unavailable`: The mail this request sends cannot be queued; nothing was changed.
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'auth.resetPassword': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ResetPasswordRequest'];
      };
    };
    responses: {
      /** @description Password set; every earlier access and refresh token is refused */
      204: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `invalid_token`: Unknown, expired, spent or superseded link
       *
       *     `validation_failed`: Invalid password (as at registration), or unknown field
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: Too many reset attempts from this client or for this account, or over the request budget */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.getMe': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.deleteMe': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DeleteMeRequest'];
      };
    };
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `validation_failed`: currentPassword missing or incorrect, or unknown field
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `last_admin`: You are the last active admin */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `too_many_login_failures`: Too many failed password attempts (logins or currentPassword)
       *
       *     `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes).
       */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
       *
       *     `login_limit_unavailable`: Failed password checks cannot be counted (Redis down) and LOGIN_FAIL_CLOSED is on.
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.updateMe': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateMeRequest'];
      };
    };
    responses: {
      /** @description The user, with the current (not yet the new) email */
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /**
       * @description `validation_failed`: Invalid field, unknown field, or currentPassword missing or incorrect
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `email_taken`: An account with the new email exists */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `too_many_login_failures`: Too many failed password attempts (logins or currentPassword)
       *
       *     `rate_limited`: Too many email changes requested, or over the request budget
       */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
       *
       *     `login_limit_unavailable`: Failed password checks cannot be counted (Redis down) and LOGIN_FAIL_CLOSED is on.
       *
       *     `mail_unavailable`: The mails of an email change cannot be queued; nothing was changed
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.list': {
    parameters: {
      query?: {
        page?: number;
        limit?: number;
        /** @description field:direction over createdAt, updatedAt, email, name, role */
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
        /** @description Case-insensitive substring of name or email */
        search?: string;
        role?: components['schemas']['UserRole'];
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['UsersPage'];
        };
      };
      /**
       * @description `validation_failed`: Invalid page, limit, sort, search or role, or an unknown parameter
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `forbidden`: The caller is signed in, but its role does not allow this operation. */
      403: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.create': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateUserRequest'];
      };
    };
    responses: {
      201: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `forbidden`: The caller is signed in, but its role does not allow this operation. */
      403: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `email_taken`: An account with this email address exists already. */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `hashing_busy`: Password hashing is at capacity (PASSWORD_HASH_QUEUE_MAX); nothing was changed.
       *
       *     `mail_unavailable`: Without a password: the invitation mail cannot be queued; no account was created
       *
       *     `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.get': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The id of a user */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /**
       * @description `validation_failed`: id is not a UUID
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `not_found`: No such user, or someone else's */
      404: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.delete': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The id of a user */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content?: never;
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `forbidden`: The caller is signed in, but its role does not allow this operation. */
      403: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `not_found`: No user with this id */
      404: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `last_admin`: The user is the last active admin */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'users.update': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The id of a user */
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateUserRequest'];
      };
    };
    responses: {
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['User'];
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       *
       *     `malformed_json`: The request body is not valid JSON.
       *
       *     `unreadable_body`: The request body could not be read (cut short, or its length header is wrong).
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unauthorized`: The access token is missing, malformed, signed by someone else, revoked or of a deactivated account.
       *
       *     `token_expired`: The access token has expired.
       */
      401: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `forbidden`: The caller is signed in, but its role does not allow this operation. */
      403: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `not_found`: No user with this id */
      404: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `last_admin`: The change would leave no active admin */
      409: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `payload_too_large`: The request body is larger than the service accepts (BODY_LIMIT, 100 kB by default). */
      413: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `unsupported_media_type`: The request has a body that is not JSON.
       *
       *     `unsupported_charset`: The JSON body declares a charset other than UTF-8.
       *
       *     `unsupported_content_encoding`: The body is compressed with an encoding the service does not read.
       */
      415: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `rate_limited`: The client spent its request budget, or a budget of this action (registrations, mails, changes). */
      429: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /**
       * @description `rate_limit_unavailable`: A request budget cannot be counted (Redis down) and THROTTLE_FAIL_CLOSED is on.
       *
       *     `database_unavailable`: The database does not answer (down, unreachable or out of connections).
       */
      503: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          'Cache-Control': components['headers']['Cache-Control'];
          'X-RateLimit-Limit': components['headers']['X-RateLimit-Limit'];
          'X-RateLimit-Remaining': components['headers']['X-RateLimit-Remaining'];
          'X-RateLimit-Reset': components['headers']['X-RateLimit-Reset'];
          'Retry-After': components['headers']['Retry-After'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'problems.list': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every problem type with its status and meaning */
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'text/markdown': string;
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
  'problems.get': {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The last segment of a problem `type` */
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
          | 'payload_too_large'
          | 'unsupported_media_type'
          | 'unsupported_charset'
          | 'unsupported_content_encoding'
          | 'rate_limited'
          | 'too_many_login_failures'
          | 'internal_error'
          | 'service_unavailable'
          | 'database_unavailable'
          | 'hashing_busy'
          | 'login_limit_unavailable'
          | 'rate_limit_unavailable'
          | 'mail_unavailable';
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description When the service answers this type, and what to do about it */
      200: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'text/markdown': string;
        };
      };
      /**
       * @description `validation_failed`: A field of the body, the query or the path is missing, malformed, out of range or unknown.
       *
       *     `too_deep`: The JSON body nests objects or arrays deeper than the service reads.
       *
       *     `too_many_fields`: The JSON body has more fields in all than the service reads.
       *
       *     `nul_character`: A string in the body contains a NUL character.
       *
       *     `invalid_unicode`: A string in the body contains an unpaired UTF-16 surrogate, which is not text.
       */
      400: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `not_found`: No problem type has this code */
      404: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
      /** @description `internal_error`: The service failed. The body says nothing more; the logs of the request id do. */
      500: {
        headers: {
          'X-Request-Id': components['headers']['X-Request-Id'];
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['Problem'];
        };
      };
    };
  };
}
