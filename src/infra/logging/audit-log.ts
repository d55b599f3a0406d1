import { Logger } from '@nestjs/common';
import { requestClientFields } from './request-context';

/**
 * Every authentication and account-security decision the service takes, by name. Names
 * are `<area>.<subject>.<outcome>` and never change meaning; a new decision gets a new name.
 */
export type AuditEvent =
  | 'auth.login.succeeded'
  | 'auth.login.failed'
  | 'auth.login.locked_out'
  | 'auth.refresh.failed'
  | 'auth.refresh.reused'
  | 'auth.logout'
  | 'auth.sessions.revoked'
  | 'auth.password.changed'
  | 'auth.password.change_failed'
  | 'auth.password.change_locked_out'
  | 'auth.account.deleted'
  | 'auth.account.delete_failed'
  | 'auth.account.delete_locked_out'
  | 'auth.email.change_requested'
  | 'auth.email.change_failed'
  | 'auth.email.change_locked_out'
  | 'auth.email.verified'
  | 'auth.email.changed'
  | 'auth.password.reset_requested'
  | 'auth.password.reset'
  | 'admin.user.created'
  | 'admin.user.invited'
  | 'admin.user.updated'
  | 'admin.user.deleted';

/**
 * The only fields an audit line may carry besides the event and who asked. Ids and
 * outcomes only: no email (personal data; the user id identifies the account), and no
 * password, token or hash of one.
 */
export interface AuditFields {
  /** The account the decision is about; absent when the request named no known account. */
  userId?: string;
  sessionId?: string;
  /** Why a decision went the way it did (`bad_password`, `logout`, …). */
  reason?: string;
  /** How many sessions a revocation ended. */
  count?: number;
  /** The new role or activation, on an admin's change or creation of an account. */
  role?: string;
  isActive?: boolean;
}

/** Refusals and detected attacks: written even when LOG_LEVEL is `warn`. */
const WARNINGS: ReadonlySet<AuditEvent> = new Set<AuditEvent>([
  'auth.login.failed',
  'auth.login.locked_out',
  'auth.refresh.failed',
  'auth.refresh.reused',
  'auth.password.change_failed',
  'auth.password.change_locked_out',
  'auth.account.delete_failed',
  'auth.account.delete_locked_out',
  'auth.email.change_failed',
  'auth.email.change_locked_out',
]);

const logger = new Logger('Audit');

/**
 * Writes one structured line for an authentication decision, through the application's
 * logger: `{ event, ...fields, ip, actorId?, requestId, context: "Audit", msg: event }`.
 * The request id comes from the root logger's mixin, the client address (as TRUST_PROXY
 * resolves it) and the signed-in caller from the request being served. A plain function
 * over Nest's `Logger`, like any other log line, so a call site is one line.
 */
export function audit(event: AuditEvent, fields: AuditFields = {}): void {
  const line = { event, ...fields, ...requestClientFields() };
  if (WARNINGS.has(event)) logger.warn(line, event);
  else logger.log(line, event);
}
