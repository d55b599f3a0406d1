/** What a check answers while its condition does not hold yet. */
type NotYet = undefined | null | false;

export interface WaitForOptions {
  /** Fails after this long; 30 s by default. */
  timeoutMs?: number;
  /** Names the condition in the timeout error. */
  what?: string;
  /** Pause between two checks; 100 ms by default. */
  intervalMs?: number;
}

/**
 * Runs `check` until it answers something other than undefined, null or false, and resolves
 * with that answer. A check that throws counts as not yet; after `timeoutMs` the wait fails,
 * naming `what` and the last error. Every poll in the tests, scripts and bench goes through
 * this, so none of them sleeps for a fixed time hoping that something has happened.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, what = 'condition', intervalMs = 100 }: WaitForOptions = {},
): Promise<Exclude<T, NotYet>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((tick) => setTimeout(tick, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${describe(lastError)}` : ''}`);
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : JSON.stringify(error));
