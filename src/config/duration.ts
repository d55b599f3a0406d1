const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses the short durations used in configuration (`500ms`, `60s`, `15m`, `7d`; a bare
 * number is seconds) so that every TTL variable reads the same way.
 * Returns `undefined` for anything else, letting the caller report the variable by name.
 */
export function parseDurationMs(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}
