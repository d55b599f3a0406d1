import { FixedWindows } from './fixed-windows';

describe('FixedWindows (in process)', () => {
  const WINDOW_MS = 1_000;

  it('counts every key and refuses, counting nothing, once any key is at its limit', async () => {
    const windows = new FixedWindows(null, WINDOW_MS);
    const now = 10_000;
    expect(await windows.reserve(['a', 'b'], [2, 5], now)).toBe(0);
    expect(await windows.reserve(['a', 'b'], [2, 5], now + 100)).toBe(0);
    // `a` is full: refused for what is left of its window, and `b` is not counted.
    expect(await windows.reserve(['a', 'b'], [2, 5], now + 300)).toBe(WINDOW_MS - 300);
    expect(await windows.reserve(['b'], [3], now + 300)).toBe(0);
    expect(await windows.reserve(['b'], [3], now + 300)).toBe(WINDOW_MS - 300);
  });

  it('starts a new window once the old one is over', async () => {
    const windows = new FixedWindows(null, WINDOW_MS);
    expect(await windows.reserve(['a'], [1], 0)).toBe(0);
    expect(await windows.reserve(['a'], [1], WINDOW_MS - 1)).toBe(1);
    expect(await windows.reserve(['a'], [1], WINDOW_MS)).toBe(0);
  });

  it('gives an attempt back to every key, or clears the first', async () => {
    const windows = new FixedWindows(null, WINDOW_MS);
    await windows.reserve(['pair', 'client'], [1, 2], 0);
    await windows.giveBack(['pair', 'client'], false);
    expect(await windows.reserve(['pair', 'client'], [1, 1], 0)).toBe(0);

    // Three attempts on the pair: clearing it must reset it, not take one back.
    await windows.reserve(['pair'], [5], 0);
    await windows.reserve(['pair'], [5], 0);
    await windows.giveBack(['pair', 'client'], true);
    expect(await windows.reserve(['pair'], [1], 0)).toBe(0);
    // The client counter lost its one attempt: with a limit of one it has room again.
    expect(await windows.reserve(['client'], [1], 0)).toBe(0);
  });
});
