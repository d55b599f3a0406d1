import { HttpStatus } from '@nestjs/common';
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { ProblemException } from '@/common/http/problem';

/** The request header (draft-ietf-httpapi-idempotency-key-header) and the marker on a replayed answer. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Printable ASCII, 1–255 characters: a UUID, a ULID or any opaque token a client generates fits. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/** The draft sends the key as a structured-field string (`"…"`); a bare token is accepted as the same key. */
const QUOTED = /^"((?:[\x20-\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;

/**
 * The key of a request, `undefined` when it sent none, or a 400 for a key the service
 * will not store: empty, longer than 255 characters, or with a control or non-ASCII
 * character (which a log line or a Redis key must not carry).
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const raw = Array.isArray(header) ? undefined : header.trim();
  const quoted = raw === undefined ? null : QUOTED.exec(raw);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : raw;
  if (key === undefined || !VALID_KEY.test(key)) {
    throw new ProblemException(
      HttpStatus.BAD_REQUEST,
      'invalid_idempotency_key',
      `${IDEMPOTENCY_KEY_HEADER} must be 1–255 printable ASCII characters.`,
    );
  }
  return key;
}

/** JSON with object keys sorted at every level, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one body. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * What "the same request" means for a key: method, path with query, and the body as data,
 * not bytes. The fingerprint is stored in clear beside the sealed answer, and a body may
 * hold a password, so it is an HMAC under a key derived (HKDF, its own `info`) from the
 * secret that seals the answers: a plain hash would let anyone who reads the store try
 * passwords against it. It starts with an id of that key, so a fingerprint made under
 * another secret (before a rotation) is told apart from the fingerprint of another body.
 */
export class RequestFingerprints {
  private readonly key: Buffer;
  private readonly keyId: string;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'idempotency', 'request fingerprints v1', 32));
    this.keyId = this.mac('key id').slice(0, 8);
  }

  of(method: string, url: string, body: unknown): string {
    return `${this.keyId}.${this.mac(`${method.toUpperCase()}\n${url}\n${canonicalJson(body)}`)}`;
  }

  /** Whether `fingerprint` was made under this secret, so a different one means a different request. */
  isOwn(fingerprint: string): boolean {
    return fingerprint.startsWith(`${this.keyId}.`);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

/**
 * Where the answer of a key is kept: per route and per caller, so one caller's key can
 * never read (or block) the answer another caller stored under the same key. Hashed, so
 * the store holds neither the key nor the user id.
 */
export function storageKeyOf(route: string, callerId: string | undefined, key: string): string {
  return sha256(`${route}\n${callerId ?? ''}\n${key}`);
}
