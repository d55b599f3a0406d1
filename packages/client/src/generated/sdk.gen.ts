// Written by `npm run openapi` (@hey-api/openapi-ts) from openapi.json: edit the controllers
// and DTOs, not this file; a test fails while it differs from what that writes.

import { client } from './client.gen.js';
import type { Client, ClientMeta, Options as Options2, RequestResult, TDataShape } from './client/index.js';
import type {
  AuthEndOtherSessionsData,
  AuthEndOtherSessionsErrors,
  AuthEndOtherSessionsResponses,
  AuthEndSessionData,
  AuthEndSessionErrors,
  AuthEndSessionResponses,
  AuthForgotPasswordData,
  AuthForgotPasswordErrors,
  AuthForgotPasswordResponses,
  AuthListSessionsData,
  AuthListSessionsErrors,
  AuthListSessionsResponses,
  AuthLoginData,
  AuthLoginErrors,
  AuthLoginResponses,
  AuthLogoutData,
  AuthLogoutErrors,
  AuthLogoutResponses,
  AuthRefreshData,
  AuthRefreshErrors,
  AuthRefreshResponses,
  AuthRegisterData,
  AuthRegisterErrors,
  AuthRegisterResponses,
  AuthResendVerificationData,
  AuthResendVerificationErrors,
  AuthResendVerificationResponses,
  AuthResetPasswordData,
  AuthResetPasswordErrors,
  AuthResetPasswordResponses,
  AuthVerifyEmailData,
  AuthVerifyEmailErrors,
  AuthVerifyEmailResponses,
  HealthLiveData,
  HealthLiveErrors,
  HealthLiveResponses,
  HealthReadyData,
  HealthReadyErrors,
  HealthReadyResponses,
  HealthSummaryData,
  HealthSummaryErrors,
  HealthSummaryResponses,
  MetricsScrapeData,
  MetricsScrapeErrors,
  MetricsScrapeResponses,
  ProblemsGetData,
  ProblemsGetErrors,
  ProblemsGetResponses,
  ProblemsListData,
  ProblemsListErrors,
  ProblemsListResponses,
  UsersCreateData,
  UsersCreateErrors,
  UsersCreateResponses,
  UsersDeleteData,
  UsersDeleteErrors,
  UsersDeleteMeData,
  UsersDeleteMeErrors,
  UsersDeleteMeResponses,
  UsersDeleteResponses,
  UsersGetData,
  UsersGetErrors,
  UsersGetMeData,
  UsersGetMeErrors,
  UsersGetMeResponses,
  UsersGetResponses,
  UsersListData,
  UsersListErrors,
  UsersListResponses,
  UsersUpdateData,
  UsersUpdateErrors,
  UsersUpdateMeData,
  UsersUpdateMeErrors,
  UsersUpdateMeResponses,
  UsersUpdateResponses,
} from './types.gen.js';

export type Options<
  TData extends TDataShape = TDataShape,
  ThrowOnError extends boolean = boolean,
  TResponse = unknown,
> = Options2<TData, ThrowOnError, TResponse> & {
  /**
   * You can provide a client instance returned by `createClient()` instead of
   * individual options. This might be also useful if you want to implement a
   * custom client.
   */
  client?: Client;
  /**
   * You can pass arbitrary values through the `meta` object. This can be
   * used to access values that aren't defined as part of the SDK function.
   */
  meta?: keyof ClientMeta extends never ? Record<string, unknown> : ClientMeta;
};

/**
 * Prometheus metrics in the text exposition format
 *
 * For Prometheus; docs/operations.md lists every metric. Not throttled, no token needed.
 */
export const metricsScrape = <ThrowOnError extends boolean = false>(
  options?: Options<MetricsScrapeData, ThrowOnError>,
): RequestResult<MetricsScrapeResponses, MetricsScrapeErrors, ThrowOnError> =>
  (options?.client ?? client).get<MetricsScrapeResponses, MetricsScrapeErrors, ThrowOnError>({
    url: '/metrics',
    ...options,
  });

/**
 * Human-readable summary of readiness, for a "verify the deployment" step
 *
 * The readiness result with a sentence naming what is down. Not throttled, no token needed.
 */
export const healthSummary = <ThrowOnError extends boolean = false>(
  options?: Options<HealthSummaryData, ThrowOnError>,
): RequestResult<HealthSummaryResponses, HealthSummaryErrors, ThrowOnError> =>
  (options?.client ?? client).get<HealthSummaryResponses, HealthSummaryErrors, ThrowOnError>({
    url: '/health',
    ...options,
  });

/**
 * Liveness probe: the process can serve; touches no dependency
 *
 * For a liveness probe: failing it restarts the process, so it never depends on the database or Redis.
 */
export const healthLive = <ThrowOnError extends boolean = false>(
  options?: Options<HealthLiveData, ThrowOnError>,
): RequestResult<HealthLiveResponses, HealthLiveErrors, ThrowOnError> =>
  (options?.client ?? client).get<HealthLiveResponses, HealthLiveErrors, ThrowOnError>({
    url: '/health/live',
    ...options,
  });

/**
 * Readiness probe: database (and Redis when configured) answer, not shutting down
 *
 * For a readiness probe or a load balancer check: 503 takes the instance out of rotation.
 */
export const healthReady = <ThrowOnError extends boolean = false>(
  options?: Options<HealthReadyData, ThrowOnError>,
): RequestResult<HealthReadyResponses, HealthReadyErrors, ThrowOnError> =>
  (options?.client ?? client).get<HealthReadyResponses, HealthReadyErrors, ThrowOnError>({
    url: '/health/ready',
    ...options,
  });

/**
 * Create an account (role user)
 *
 * The account starts unverified (`emailVerified: false`); a welcome mail with a verification link is queued. Counts against the registration budget of the client.
 */
export const authRegister = <ThrowOnError extends boolean = false>(
  options: Options<AuthRegisterData, ThrowOnError>,
): RequestResult<AuthRegisterResponses, AuthRegisterErrors, ThrowOnError> =>
  (options.client ?? client).post<AuthRegisterResponses, AuthRegisterErrors, ThrowOnError>({
    url: '/api/v1/auth/register',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * Exchange email and password for an access and a refresh token
 *
 * Starts a session (see GET /auth/sessions). An unknown email and a wrong password get the same answer in about the same time; failures are counted per account and per client.
 */
export const authLogin = <ThrowOnError extends boolean = false>(
  options: Options<AuthLoginData, ThrowOnError>,
): RequestResult<AuthLoginResponses, AuthLoginErrors, ThrowOnError> =>
  (options.client ?? client).post<AuthLoginResponses, AuthLoginErrors, ThrowOnError>({
    url: '/api/v1/auth/login',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * Rotate a refresh token into a new pair
 *
 * The presented token is spent. Presenting a spent token again revokes its whole login.
 */
export const authRefresh = <ThrowOnError extends boolean = false>(
  options: Options<AuthRefreshData, ThrowOnError>,
): RequestResult<AuthRefreshResponses, AuthRefreshErrors, ThrowOnError> =>
  (options.client ?? client).post<AuthRefreshResponses, AuthRefreshErrors, ThrowOnError>({
    url: '/api/v1/auth/refresh',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * End this login: the access token and its refresh tokens stop working
 *
 * Send the refresh token of this login. Both tokens are refused on every instance at once.
 */
export const authLogout = <ThrowOnError extends boolean = false>(
  options: Options<AuthLogoutData, ThrowOnError>,
): RequestResult<AuthLogoutResponses, AuthLogoutErrors, ThrowOnError> =>
  (options.client ?? client).post<AuthLogoutResponses, AuthLogoutErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/auth/logout',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * End every session but this one
 *
 * Their access and refresh tokens stop working on every instance at once.
 */
export const authEndOtherSessions = <ThrowOnError extends boolean = false>(
  options?: Options<AuthEndOtherSessionsData, ThrowOnError>,
): RequestResult<AuthEndOtherSessionsResponses, AuthEndOtherSessionsErrors, ThrowOnError> =>
  (options?.client ?? client).delete<AuthEndOtherSessionsResponses, AuthEndOtherSessionsErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/auth/sessions',
    ...options,
  });

/**
 * Your live sessions, newest first
 *
 * Each login is a session until it is revoked or expires; `current` marks this one. At most the newest 100 are listed.
 */
export const authListSessions = <ThrowOnError extends boolean = false>(
  options?: Options<AuthListSessionsData, ThrowOnError>,
): RequestResult<AuthListSessionsResponses, AuthListSessionsErrors, ThrowOnError> =>
  (options?.client ?? client).get<AuthListSessionsResponses, AuthListSessionsErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/auth/sessions',
    ...options,
  });

/**
 * End one of your sessions
 *
 * Its access and refresh tokens stop working on every instance at once. Ending the current session is a logout. Someone else's session id answers 404, exactly like an unknown one.
 */
export const authEndSession = <ThrowOnError extends boolean = false>(
  options: Options<AuthEndSessionData, ThrowOnError>,
): RequestResult<AuthEndSessionResponses, AuthEndSessionErrors, ThrowOnError> =>
  (options.client ?? client).delete<AuthEndSessionResponses, AuthEndSessionErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/auth/sessions/{id}',
    ...options,
  });

/**
 * Follow the link of a verification or email change mail
 *
 * Send the token of the link (`<APP_PUBLIC_URL>/verify-email?token=…`). A verification link marks the address verified, as long as it is still the account’s address; an email change link moves the account to the new address, verified, and voids the user’s other verification and change links. Sessions stay valid. No sign-in needed: the link itself proves the mailbox.
 */
export const authVerifyEmail = <ThrowOnError extends boolean = false>(
  options: Options<AuthVerifyEmailData, ThrowOnError>,
): RequestResult<AuthVerifyEmailResponses, AuthVerifyEmailErrors, ThrowOnError> =>
  (options.client ?? client).post<AuthVerifyEmailResponses, AuthVerifyEmailErrors, ThrowOnError>({
    url: '/api/v1/auth/email/verify',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * Mail a new verification link to your address
 *
 * Queues the mail and answers at once; its link supersedes every earlier verification link. Counts against the resend budget of this client and of the account (ACCOUNT_ACTION_*).
 */
export const authResendVerification = <ThrowOnError extends boolean = false>(
  options?: Options<AuthResendVerificationData, ThrowOnError>,
): RequestResult<AuthResendVerificationResponses, AuthResendVerificationErrors, ThrowOnError> =>
  (options?.client ?? client).post<AuthResendVerificationResponses, AuthResendVerificationErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/auth/email/resend',
    ...options,
  });

/**
 * Mail a password reset link to this address, if it has an account
 *
 * The answer is the same, empty 202 whether or not the address has an account; only the owner of the mailbox learns which (a link valid for PASSWORD_RESET_TTL, or no mail at all).
 */
export const authForgotPassword = <ThrowOnError extends boolean = false>(
  options: Options<AuthForgotPasswordData, ThrowOnError>,
): RequestResult<AuthForgotPasswordResponses, AuthForgotPasswordErrors, ThrowOnError> =>
  (options.client ?? client).post<AuthForgotPasswordResponses, AuthForgotPasswordErrors, ThrowOnError>({
    url: '/api/v1/auth/password/forgot',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * Set a new password with the token of a reset or invitation link
 *
 * Spends the link, verifies the address it was mailed to, and ends every session of the account on every node.
 */
export const authResetPassword = <ThrowOnError extends boolean = false>(
  options: Options<AuthResetPasswordData, ThrowOnError>,
): RequestResult<AuthResetPasswordResponses, AuthResetPasswordErrors, ThrowOnError> =>
  (options.client ?? client).post<AuthResetPasswordResponses, AuthResetPasswordErrors, ThrowOnError>({
    url: '/api/v1/auth/password/reset',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * Delete your own account
 *
 * Needs currentPassword. The account is erased (docs/security.md, "Deleting an account"), every one of its tokens stops working on every node at once, and the email can register again. A wrong currentPassword counts as a failed login of your account from this client. The last active admin cannot delete itself (409 last_admin).
 */
export const usersDeleteMe = <ThrowOnError extends boolean = false>(
  options: Options<UsersDeleteMeData, ThrowOnError>,
): RequestResult<UsersDeleteMeResponses, UsersDeleteMeErrors, ThrowOnError> =>
  (options.client ?? client).delete<UsersDeleteMeResponses, UsersDeleteMeErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users/me',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * The signed-in user
 *
 * The account of the access token, as it is now (a change by an admin shows at once).
 */
export const usersGetMe = <ThrowOnError extends boolean = false>(
  options?: Options<UsersGetMeData, ThrowOnError>,
): RequestResult<UsersGetMeResponses, UsersGetMeErrors, ThrowOnError> =>
  (options?.client ?? client).get<UsersGetMeResponses, UsersGetMeErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users/me',
    ...options,
  });

/**
 * Change your name, password or email
 *
 * A password change needs currentPassword and revokes all your other sessions; this one stays valid. An email change needs currentPassword too and is only requested: the answer still shows your current address, a link goes to the new one (the change happens when it is opened, through POST /auth/email/verify, valid for EMAIL_VERIFY_TTL), and your current address is told. Your current address again changes nothing and sends no mail. Both may come in one request; currentPassword is checked once. A wrong currentPassword counts as a failed login of your account from this client. Role and activation cannot be changed here (unknown fields are refused).
 */
export const usersUpdateMe = <ThrowOnError extends boolean = false>(
  options: Options<UsersUpdateMeData, ThrowOnError>,
): RequestResult<UsersUpdateMeResponses, UsersUpdateMeErrors, ThrowOnError> =>
  (options.client ?? client).patch<UsersUpdateMeResponses, UsersUpdateMeErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users/me',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * List users (admin)
 *
 * Paginated; search matches name or email.
 */
export const usersList = <ThrowOnError extends boolean = false>(
  options?: Options<UsersListData, ThrowOnError>,
): RequestResult<UsersListResponses, UsersListErrors, ThrowOnError> =>
  (options?.client ?? client).get<UsersListResponses, UsersListErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users',
    ...options,
  });

/**
 * Create a user (admin)
 *
 * In any role (default user), with a password the admin hands over; no welcome mail is sent. Without a password the user is invited: a mail to the address carries a link to <APP_PUBLIC_URL>/reset-password?token=… (valid for INVITATION_TTL, once), whose token POST /auth/password/reset accepts to set the password; until then the account cannot log in. If the invitation cannot be queued, no account is created (503 mail_unavailable).
 */
export const usersCreate = <ThrowOnError extends boolean = false>(
  options: Options<UsersCreateData, ThrowOnError>,
): RequestResult<UsersCreateResponses, UsersCreateErrors, ThrowOnError> =>
  (options.client ?? client).post<UsersCreateResponses, UsersCreateErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * Delete a user (admin)
 *
 * That user’s tokens stop working at once. The last active admin cannot be deleted (409 last_admin).
 */
export const usersDelete = <ThrowOnError extends boolean = false>(
  options: Options<UsersDeleteData, ThrowOnError>,
): RequestResult<UsersDeleteResponses, UsersDeleteErrors, ThrowOnError> =>
  (options.client ?? client).delete<UsersDeleteResponses, UsersDeleteErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users/{id}',
    ...options,
  });

/**
 * One user (admin, or that user)
 *
 * Someone else's id answers 404 to a non-admin, so ids cannot be probed.
 */
export const usersGet = <ThrowOnError extends boolean = false>(
  options: Options<UsersGetData, ThrowOnError>,
): RequestResult<UsersGetResponses, UsersGetErrors, ThrowOnError> =>
  (options.client ?? client).get<UsersGetResponses, UsersGetErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users/{id}',
    ...options,
  });

/**
 * Change a user (admin)
 *
 * isActive: false revokes all of that user’s tokens at once. The last active admin cannot be demoted or deactivated (409 last_admin).
 */
export const usersUpdate = <ThrowOnError extends boolean = false>(
  options: Options<UsersUpdateData, ThrowOnError>,
): RequestResult<UsersUpdateResponses, UsersUpdateErrors, ThrowOnError> =>
  (options.client ?? client).patch<UsersUpdateResponses, UsersUpdateErrors, ThrowOnError>({
    security: [{ scheme: 'bearer', type: 'http' }],
    url: '/api/v1/users/{id}',
    ...options,
    headers: {
      'Content-Type': 'application/json',
      ...options.headers,
    },
  });

/**
 * The registry of problem types (Markdown)
 *
 * Every `type` an error answer can carry, with its status and meaning.
 */
export const problemsList = <ThrowOnError extends boolean = false>(
  options?: Options<ProblemsListData, ThrowOnError>,
): RequestResult<ProblemsListResponses, ProblemsListErrors, ThrowOnError> =>
  (options?.client ?? client).get<ProblemsListResponses, ProblemsListErrors, ThrowOnError>({
    url: '/problems',
    ...options,
  });

/**
 * The page of one problem type (Markdown)
 *
 * What a problem `type` (`/problems/<code>`) resolves to: when it is answered, and what to do.
 */
export const problemsGet = <ThrowOnError extends boolean = false>(
  options: Options<ProblemsGetData, ThrowOnError>,
): RequestResult<ProblemsGetResponses, ProblemsGetErrors, ThrowOnError> =>
  (options.client ?? client).get<ProblemsGetResponses, ProblemsGetErrors, ThrowOnError>({
    url: '/problems/{code}',
    ...options,
  });
