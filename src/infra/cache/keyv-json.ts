import { Buffer } from 'node:buffer';

const COLON = 0x3a;
const BASE64_PREFIX = ':base64:';

/** Keyv's escapes: `:base64:…` is a Buffer, any other leading `:` was added by the serialiser. */
function unescape(value: string): string | Buffer {
  if (value.startsWith(BASE64_PREFIX)) return Buffer.from(value.slice(BASE64_PREFIX.length), 'base64');
  return value.slice(1);
}

function revive(value: unknown): unknown {
  if (typeof value === 'string') return value.charCodeAt(0) === COLON ? unescape(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const revived = revive(item);
      if (revived !== item) value[i] = revived;
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const revived = revive(item);
    // JSON.parse made every key an own data property (`__proto__` too), so this assigns it.
    if (revived !== item) record[key] = revived;
  }
  return value;
}

/**
 * Keyv's default decoding (`@keyv/serialize`'s `defaultDeserialize`), to the same value
 * for every input, without its JSON.parse reviver: V8 calls a reviver for every value of
 * the document and keeps each value's source text for it, which made decoding the hot
 * cache entries (auth state, profiles) one of the costliest steps of an authenticated
 * request. A plain parse and one walk over the result undo the same escapes.
 */
export function keyvDeserialize<T>(data: string): T {
  return revive(JSON.parse(data)) as T;
}
