import type { IdempotencyEntry, IdempotencyStore, Reservation } from './idempotency.store';

interface Stored {
  entry: IdempotencyEntry;
  expiresAt: number;
}

/** Beyond this many keys, expired ones are swept so a spray of keys cannot grow memory forever. */
const SWEEP_THRESHOLD = 10_000;

/** The store of a single instance without Redis: one synchronous step per operation, so atomic in the process. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Stored>();

  constructor(private readonly now: () => number = Date.now) {}

  reserve(key: string, fingerprint: string, holder: string, lockMs: number): Promise<Reservation> {
    const found = this.live(key);
    if (found) {
      return Promise.resolve(found.state === 'done' ? found : { state: 'running', fingerprint: found.fingerprint });
    }
    this.entries.set(key, { entry: { state: 'running', fingerprint, holder }, expiresAt: this.now() + lockMs });
    if (this.entries.size > SWEEP_THRESHOLD) this.sweep();
    return Promise.resolve({ state: 'reserved' });
  }

  complete(key: string, fingerprint: string, holder: string, sealed: string, ttlMs: number): Promise<boolean> {
    if (!this.holds(key, holder)) return Promise.resolve(false);
    this.entries.set(key, { entry: { state: 'done', fingerprint, sealed }, expiresAt: this.now() + ttlMs });
    return Promise.resolve(true);
  }

  release(key: string, _fingerprint: string, holder: string): Promise<void> {
    if (this.holds(key, holder)) this.entries.delete(key);
    return Promise.resolve();
  }

  discard(key: string, fingerprint: string, sealed: string): Promise<void> {
    const entry = this.live(key);
    if (entry?.state === 'done' && entry.fingerprint === fingerprint && entry.sealed === sealed) {
      this.entries.delete(key);
    }
    return Promise.resolve();
  }

  private holds(key: string, holder: string): boolean {
    const entry = this.live(key);
    return entry?.state === 'running' && entry.holder === holder;
  }

  private live(key: string): IdempotencyEntry | undefined {
    const stored = this.entries.get(key);
    if (stored && stored.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return stored?.entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, stored] of this.entries) if (stored.expiresAt <= now) this.entries.delete(key);
  }
}
