/** Longest wait before a retry, however many attempts came before. */
export const MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * Exponential backoff: the wait before the retry that follows failed attempt `attempt`
 * (1-based) is `baseMs * 2^(attempt - 1)`, capped. BullMQ computes the same figure for its
 * built-in `exponential` strategy; the database queue uses this.
 */
export function backoffDelayMs(attempt: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
}
