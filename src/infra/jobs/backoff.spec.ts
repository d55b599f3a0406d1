import { backoffDelayMs, MAX_BACKOFF_MS } from './backoff';

describe('backoffDelayMs', () => {
  it('doubles the wait after each failed attempt, starting from the base', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, 1000))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('caps the wait, so a job with many attempts is still retried within the hour', () => {
    expect(backoffDelayMs(40, 1000)).toBe(MAX_BACKOFF_MS);
  });
});
