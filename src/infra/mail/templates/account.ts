import { html, layout, RenderedMail, subject, text } from './mail-template';

/** What every account mail is addressed with. */
interface Greeting {
  /** The name the user registered with: user input, escaped by `html`. */
  name: string;
}

/** A mail whose single-use link does the work: `<APP_PUBLIC_URL>/<page>?token=<token>`. */
export interface LinkVars extends Greeting {
  link: string;
  /** How long the link works, in words ("24 hours"). */
  validFor: string;
}

/** A lifetime in the largest whole unit that states it exactly: 24h → "24 hours", 30m → "30 minutes". */
export function lifetimeText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}${ms === size ? '' : 's'}`;
  }
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** Asks the owner of a new address to prove it (a resend; the registration mail is `welcome`). */
export function verifyEmail({ name, link, validFor }: LinkVars): RenderedMail {
  return {
    subject: subject`Confirm your email address`,
    text: text`
      Hello ${name},

      confirm your email address by opening this link (it works for ${validFor}, once):
      ${link}

      If you did not create an account, ignore this mail.
    `,
    html: layout(
      'Confirm your email address',
      html`<p>Hello ${name},</p>
        <p><a href="${link}">Confirm your email address</a>. The link works for ${validFor}, once.</p>
        <p>If you did not create an account, ignore this mail.</p>`,
    ),
  };
}

/** The link of a forgotten password. */
export function passwordReset({ name, link, validFor }: LinkVars): RenderedMail {
  return {
    subject: subject`Reset your password`,
    text: text`
      Hello ${name},

      someone asked to reset the password of your account. To choose a new one, open this
      link (it works for ${validFor}, once):
      ${link}

      If it was not you, ignore this mail: your password stays as it is.
    `,
    html: layout(
      'Reset your password',
      html`<p>Hello ${name},</p>
        <p>someone asked to reset the password of your account.</p>
        <p><a href="${link}">Choose a new password</a>. The link works for ${validFor}, once.</p>
        <p>If it was not you, ignore this mail: your password stays as it is.</p>`,
    ),
  };
}

/** An account an admin made without a password: the link sets one (the reset page). */
export function invitation({ name, link, validFor, appUrl }: LinkVars & { appUrl: string }): RenderedMail {
  return {
    subject: subject`You have been invited to ${appUrl}`,
    text: text`
      Hello ${name},

      an account was created for you at ${appUrl}. Choose your password with this link (it
      works for ${validFor}, once):
      ${link}
    `,
    html: layout(
      'Your invitation',
      html`<p>Hello ${name},</p>
        <p>an account was created for you at ${appUrl}.</p>
        <p><a href="${link}">Choose your password</a>. The link works for ${validFor}, once.</p>`,
    ),
  };
}

/** Sent to the new address of an email change: the change happens only when this link is opened. */
export function emailChange({ name, link, validFor }: LinkVars): RenderedMail {
  return {
    subject: subject`Confirm your new email address`,
    text: text`
      Hello ${name},

      to make this the address of your account, open this link (it works for ${validFor}, once):
      ${link}

      Until then your account keeps its current address. If you did not ask for this, ignore this mail.
    `,
    html: layout(
      'Confirm your new email address',
      html`<p>Hello ${name},</p>
        <p><a href="${link}">Make this the address of your account</a>. The link works for ${validFor}, once.</p>
        <p>Until then your account keeps its current address. If you did not ask for this, ignore this mail.</p>`,
    ),
  };
}

/** Sent to the current address when a change to another was asked for. */
export function emailChangeNotice({ name, newAddress }: Greeting & { newAddress: string }): RenderedMail {
  return {
    subject: subject`A change of your email address was requested`,
    text: text`
      Hello ${name},

      someone signed in to your account asked to change its email address to ${newAddress}.
      Nothing changes unless that address confirms it.

      If it was not you, change your password now: your password is known to someone else.
    `,
    html: layout(
      'A change of your email address was requested',
      html`<p>Hello ${name},</p>
        <p>
          someone signed in to your account asked to change its email address to ${newAddress}. Nothing changes unless
          that address confirms it.
        </p>
        <p>If it was not you, change your password now: your password is known to someone else.</p>`,
    ),
  };
}

/** An address shown without giving it away whole: `a***@example.com`. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
