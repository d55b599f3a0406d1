/** Injection token of the store of the application (`IdempotencyStore`). */
export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');

/** What a key holds: a request still running (and who runs it), or the final answer, sealed. */
export type IdempotencyEntry =
  { state: 'running'; fingerprint: string; holder: string } | { state: 'done'; fingerprint: string; sealed: string };

/** The outcome of trying to reserve a key: ours now, or what another request left there. */
export type Reservation =
  | { state: 'reserved' }
  | { state: 'running'; fingerprint: string }
  | { state: 'done'; fingerprint: string; sealed: string };

/**
 * Keys of requests with an Idempotency-Key and their answers. Every step is atomic per
 * key, so of concurrent duplicates (on any instance sharing the store) exactly one
 * reserves the key; only the holder of a reservation can complete or release it, so a
 * request that outlived its reservation cannot overwrite the answer of the one after it.
 * Errors (the store unreachable) reach the caller.
 */
export interface IdempotencyStore {
  /** Reserves `key` for `lockMs` unless it is taken, else answers what holds it. */
  reserve(key: string, fingerprint: string, holder: string, lockMs: number): Promise<Reservation>;
  /** Replaces the holder's reservation with the sealed answer, kept `ttlMs`; false if it was no longer held. */
  complete(key: string, fingerprint: string, holder: string, sealed: string, ttlMs: number): Promise<boolean>;
  /** Gives the reservation up, so the next request with the key runs again. */
  release(key: string, fingerprint: string, holder: string): Promise<void>;
  /** Drops a stored answer that can no longer be opened (sealed under another secret), if it is still this one. */
  discard(key: string, fingerprint: string, sealed: string): Promise<void>;
}

export const encodeEntry = (entry: IdempotencyEntry): string =>
  entry.state === 'running'
    ? JSON.stringify({ s: 'running', f: entry.fingerprint, h: entry.holder })
    : JSON.stringify({ s: 'done', f: entry.fingerprint, a: entry.sealed });

/** What another request left in the store; the holder of a running entry is not handed out. */
export function decodeReservation(value: string): Reservation {
  const raw = JSON.parse(value) as { s: string; f: string; a?: string };
  return raw.s === 'done'
    ? { state: 'done', fingerprint: raw.f, sealed: raw.a ?? '' }
    : { state: 'running', fingerprint: raw.f };
}
