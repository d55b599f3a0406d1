import { html, layout, RenderedMail, subject, text } from './mail-template';

export interface WelcomeVars {
  /** The name the user registered with: user input, escaped by `html`. */
  name: string;
  /** APP_PUBLIC_URL: where the user signs in. */
  appUrl: string;
}

/** Sent once an account exists. */
export function welcome({ name, appUrl }: WelcomeVars): RenderedMail {
  return {
    subject: subject`Welcome, ${name}`,
    text: text`
      Hello ${name},

      your account is ready. Sign in at ${appUrl}.
    `,
    html: layout(
      'Welcome',
      html`<p>Hello ${name},</p>
        <p>your account is ready. <a href="${appUrl}">Sign in</a>.</p>`,
    ),
  };
}
