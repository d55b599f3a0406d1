import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { authEnv, uniqueEmail } from '@test/factories/auth.factory';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The bearer "Authorize" flow of Swagger UI in a real browser (Debian chromium): log in
 * through "Try it out", authorize with the access token, call GET /api/v1/users/me.
 */
describe('Swagger UI in a browser', () => {
  let t: TestApp;
  let context: BrowserContext;
  let page: Page;
  let baseUrl: string;
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const credentials = { email: uniqueEmail('swagger'), password: 'a-good-password' };

  beforeAll(async () => {
    t = await createTestApp({ env: authEnv() });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
    await request(t.server)
      .post('/api/v1/auth/register')
      .send({ ...credentials, name: 'Swagger User' })
      .expect(201);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_FLAGS,
      headless: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await t?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  /**
   * The end of Swagger UI's element id of an operation, as a CSS string: the id holds the
   * operationId with its dots backslash-escaped (`auth\.login`), and CSS escapes a backslash.
   */
  const domId = (operationId: string) => operationId.replace(/\./g, '\\\\.');

  /** Expands an operation, presses "Try it out", optionally fills the body, executes, and returns status and body. */
  async function execute(operationId: string, body?: object): Promise<{ status: number; text: string }> {
    const op = page.locator(`[id$="-${domId(operationId)}"]`);
    await op.locator('.opblock-summary').first().click();
    await op.locator('button.try-out__btn').click();
    if (body) await op.locator('textarea.body-param__text').fill(JSON.stringify(body));
    await op.locator('button.execute').click();
    const response = op.locator('.live-responses-table tbody .response').first();
    await response.waitFor();
    const status = Number((await response.locator('.response-col_status').innerText()).trim());
    const text = await response.locator('.response-col_description pre').first().innerText();
    return { status, text };
  }

  it('logs in through "Try it out", authorizes with the token and gets 200 from GET /api/v1/users/me', async () => {
    await page.goto(`${baseUrl}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor();

    const loggedIn = await execute('auth.login', credentials);
    expect(loggedIn.status).toBe(200);
    const { accessToken } = JSON.parse(loggedIn.text) as { accessToken: string };
    expect(accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const unauthorised = await execute('users.getMe');
    expect(unauthorised.status).toBe(401);

    await page.locator('.auth-wrapper button.authorize').click();
    const modal = page.locator('.modal-ux');
    await modal.locator('input[type="text"], input[type="password"]').first().fill(accessToken);
    await modal.locator('button.authorize').click();
    await modal.locator('button.btn-done, button.close-modal').first().click();

    const op = page.locator(`[id$="-${domId('users.getMe')}"]`);
    await op.locator('button.execute').click();
    const response = op.locator('.live-responses-table tbody .response').first();
    // The 401 from before stays on screen until the new answer replaces it.
    await response.locator('.response-col_status').filter({ hasText: '200' }).waitFor({ timeout: 10_000 });
    const me = JSON.parse(await response.locator('.response-col_description pre').first().innerText());
    expect(me).toMatchObject({ email: credentials.email, role: 'user' });
  });
});
