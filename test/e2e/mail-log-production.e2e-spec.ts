import { randomBytes } from 'node:crypto';
import { waitFor } from '@tools/wait-for';
import { captureLogLines } from '@test/support/log-lines';
import { createTestApp, TestApp } from '@test/support/test-app';

// One app per file: the application logger a test captures is the first one the process builds.

describe('Mail without SMTP_URL in production', () => {
  const out = captureLogLines();
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        NODE_ENV: 'production',
        JWT_ACCESS_SECRET: randomBytes(32).toString('hex'),
        JWT_REFRESH_SECRET: randomBytes(32).toString('hex'),
        SMTP_URL: undefined,
        LOG_LEVEL: 'warn',
      },
      logs: out.stream,
    });
  });
  afterAll(() => t?.close());

  it('warns at boot that mails go to the log', async () => {
    const warning = await waitFor(() => out.lines.find((line) => String(line.msg).startsWith('SMTP_URL is not set')), {
      what: 'the boot warning',
    });
    expect(warning).toMatchObject({ level: 40, context: 'Mailer' });
  });
});
