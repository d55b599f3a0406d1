import { Mailer } from '@/infra/mail/mailer';
import { welcome } from '@/infra/mail/templates/welcome';
import { waitFor } from '@tools/wait-for';
import { captureLogLines } from '@test/support/log-lines';
import { createTestApp, TestApp } from '@test/support/test-app';

// One app per file: the application logger a test captures is the first one the process builds.

const APP_URL = 'https://app.example.test';
const to = 'log-reader@example.test';
const key = 'welcome:log-reader';

describe('Mail without SMTP_URL', () => {
  const out = captureLogLines();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { SMTP_URL: undefined, LOG_LEVEL: 'info' }, logs: out.stream });
  });
  afterAll(() => t?.close());

  it('writes each mail to the log as one line with recipient, subject and text, once per key', async () => {
    const mailer = t.app.get(Mailer);
    const message = { to, ...welcome({ name: 'Ada', appUrl: APP_URL }) };

    await expect(mailer.deliver(message, key)).resolves.toBe('sent');
    await expect(mailer.deliver(message, key)).resolves.toBe('already_sent');

    const mailTo = (line: Record<string, unknown>) => (line.mail as { to?: string } | undefined)?.to === to;
    await waitFor(() => out.lines.some(mailTo), { what: 'the mail log line' });
    expect(out.lines.filter(mailTo)).toEqual([
      expect.objectContaining({
        level: 30,
        context: 'Mail',
        mail: expect.objectContaining({
          to,
          from: 'no-reply@localhost',
          subject: 'Welcome, Ada',
          text: `Hello Ada,\n\nyour account is ready. Sign in at ${APP_URL}.`,
        }),
      }),
    ]);
  });

  it('does not warn outside production', () => {
    expect(out.lines.filter((line) => String(line.msg).startsWith('SMTP_URL is not set'))).toEqual([]);
  });
});
