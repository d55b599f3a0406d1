import { html, layout, RenderedMail, subject, text } from './mail-template';

export interface WelcomeVars {
  /** The name the user registered with: user input, escaped by `html`. */
  name: string;
  /** APP_PUBLIC_URL: where the user signs in. */
  appUrl: string;
  /** The verification link and how long it works, unless the address is verified already. */
  verify?: { link: string; validFor: string };
}

/** Sent once an account exists; it carries the verification link of its address. */
export function welcome({ name, appUrl, verify }: WelcomeVars): RenderedMail {
  const greeting = text`
    Hello ${name},

    your account is ready. Sign in at ${appUrl}.
  `;
  const confirm = verify
    ? text`
        Confirm your email address with this link (it works for ${verify.validFor}, once):
        ${verify.link}
      `
    : undefined;
  return {
    subject: subject`Welcome, ${name}`,
    text: confirm ? `${greeting}\n\n${confirm}` : greeting,
    html: layout(
      'Welcome',
      html`<p>Hello ${name},</p>
        <p>your account is ready. <a href="${appUrl}">Sign in</a>.</p>
        ${verify ? html`<p><a href="${verify.link}">Confirm your email address</a>. The link works for ${verify.validFor}, once.</p>` : ''}`,
    ),
  };
}
