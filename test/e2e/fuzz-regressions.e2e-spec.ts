import request from 'supertest';
import { createTestApp, TestApp } from '@test/support/test-app';
import { ProbeModule } from '@test/support/probe/probe.module';

/**
 * Inputs the OpenAPI fuzzer (test/cluster/fuzz.cluster-spec.ts) once answered with 500,
 * kept here so they stay 4xx problems on every driver without running the whole fuzzer.
 */
const PROBLEM_JSON = /^application\/problem\+json/;

describe('hostile input found by fuzzing', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ imports: [ProbeModule] });
  });
  afterAll(() => t.close());

  const login = (raw: string, headers: Record<string, string> = {}) =>
    request(t.server)
      .post('/api/v1/auth/login')
      .set({ 'Content-Type': 'application/json', ...headers })
      .send(raw);

  it.each([
    ['objects', `${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}`],
    ['arrays', `${'['.repeat(40_000)}${']'.repeat(40_000)}`],
  ])('refuses JSON %s nested deeper than 32 levels with 400, not a stack overflow', async (_kind, raw) => {
    const res = await login(raw).expect(400);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body.type).toBe('/problems/too_deep');
  });

  it('still accepts the nesting real DTOs use', async () => {
    await request(t.server)
      .post('/api/v1/probe')
      .send({ name: 'n', count: 1, address: { city: 'Oslo' } })
      .expect(201);
  });

  it('refuses NUL characters in bodies, keys and query strings, which PostgreSQL cannot store', async () => {
    expect(
      (await login(JSON.stringify({ email: 'a\u0000@example.com', password: 'x'.repeat(8) })).expect(400)).body.type,
    ).toBe('/problems/nul_character');
    expect((await login('{"em\\u0000ail": "a@example.com"}').expect(400)).body.type).toBe('/problems/nul_character');
    const res = await request(t.server).get('/api/v1/users?search=a%00b').expect(400);
    expect(res.body.type).toBe('/problems/nul_character');
  });

  it('refuses unpaired UTF-16 surrogates, on which the e-mail validator throws', async () => {
    const res = await login('{"email": "\\ud800@example.com", "password": "12345678"}').expect(400);
    expect(res.body.type).toBe('/problems/invalid_unicode');
    // A proper pair (an emoji) is ordinary text.
    await login(JSON.stringify({ email: 'a@example.com', password: 'pw-😀-long-enough' })).expect(401);
  });

  it('answers an unsupported charset with 415', async () => {
    const res = await login('{}', { 'Content-Type': 'application/json; charset=latin1' }).expect(415);
    expect(res.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(res.body.type).toBe('/problems/unsupported_charset');
  });

  it('answers a body that does not decompress with 400, and an unknown encoding with 415', async () => {
    const garbled = await login('{"not": "gzip"}', { 'Content-Encoding': 'gzip' }).expect(400);
    expect(garbled.body.type).toBe('/problems/unreadable_body');
    const unknown = await login('{}', { 'Content-Encoding': 'x-unknown' }).expect(415);
    expect(unknown.body.type).toBe('/problems/unsupported_content_encoding');
  });
});
