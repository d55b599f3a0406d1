import { ProblemException } from '@/common/http/problem';
import { createHash } from 'node:crypto';
import { canonicalJson, idempotencyKeyOf, RequestFingerprints, storageKeyOf } from './idempotency-key';

describe(idempotencyKeyOf.name, () => {
  it('answers undefined without the header, and the key as sent with one', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(idempotencyKeyOf('k'.repeat(255))).toHaveLength(255);
  });

  it('reads the structured-field string of the draft as the bare key, escapes included', () => {
    expect(idempotencyKeyOf('"8e03978e"')).toBe('8e03978e');
    expect(idempotencyKeyOf('"a\\"b\\\\c"')).toBe('a"b\\c');
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'k'.repeat(256)],
    ['quoted and too long', `"${'k'.repeat(256)}"`],
    ['with a tab', 'a\tb'],
    ['with a line break', 'a\nb'],
    ['with a non-ASCII character', 'clé'],
    ['an empty quoted string', '""'],
    ['a list of values', ['a', 'b']],
  ])('refuses a key %s with 400 invalid_idempotency_key', (_what, header) => {
    expect(() => idempotencyKeyOf(header)).toThrow(ProblemException);
    expect(() => idempotencyKeyOf(header)).toThrow(expect.objectContaining({ code: 'invalid_idempotency_key' }));
  });
});

describe(canonicalJson.name, () => {
  it('sorts keys at every level and keeps arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('drops undefined fields, as JSON does, and writes an absent body as null', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe(RequestFingerprints.name, () => {
  const SECRET = 'a-secret-of-at-least-thirty-two-characters';
  const sut = new RequestFingerprints(SECRET);

  it('is one request for the same method, path and data, whatever the order of the fields', () => {
    expect(sut.of('post', '/a', { x: 1, y: 2 })).toBe(sut.of('POST', '/a', { y: 2, x: 1 }));
  });

  it('tells apart another body, path, query or method', () => {
    const base = sut.of('POST', '/a', { x: 1 });
    expect(sut.of('POST', '/a', { x: 2 })).not.toBe(base);
    expect(sut.of('POST', '/b', { x: 1 })).not.toBe(base);
    expect(sut.of('POST', '/a?z=1', { x: 1 })).not.toBe(base);
    expect(sut.of('PUT', '/a', { x: 1 })).not.toBe(base);
  });

  it('cannot be recomputed from the body without the secret, so a stored one does not test passwords', () => {
    const body = { email: 'a@example.com', password: 'a-good-password', name: 'A' };
    const fingerprint = sut.of('POST', '/api/v1/auth/register', body);
    const hashes = [
      `POST\n/api/v1/auth/register\n${canonicalJson(body)}`,
      canonicalJson(body),
      JSON.stringify(body),
      body.password,
    ].flatMap((text) =>
      ['base64url', 'hex', 'base64'].map((enc) =>
        createHash('sha256')
          .update(text)
          .digest(enc as 'hex'),
      ),
    );

    for (const hash of hashes) expect(fingerprint).not.toContain(hash);
    expect(fingerprint).not.toContain(body.password);
    expect(new RequestFingerprints(`${SECRET}-other`).of('POST', '/api/v1/auth/register', body)).not.toBe(fingerprint);
  });

  it('knows its own fingerprints from those made under another secret', () => {
    const other = new RequestFingerprints(`${SECRET}-rotated`);
    expect(sut.isOwn(sut.of('POST', '/a', {}))).toBe(true);
    expect(sut.isOwn(other.of('POST', '/a', {}))).toBe(false);
  });
});

describe(storageKeyOf.name, () => {
  it('scopes a key per route and per caller, and holds neither the key nor the caller in clear', () => {
    const key = storageKeyOf('POST /api/v1/users', 'user-1', 'my-key');
    expect(storageKeyOf('POST /api/v1/users', 'user-2', 'my-key')).not.toBe(key);
    expect(storageKeyOf('POST /api/v1/users', undefined, 'my-key')).not.toBe(key);
    expect(storageKeyOf('POST /api/v1/auth/register', 'user-1', 'my-key')).not.toBe(key);
    expect(key).not.toMatch(/my-key|user-1/);
  });
});
