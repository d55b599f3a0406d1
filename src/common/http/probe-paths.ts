/**
 * Probes and scrapes (`/health…`, `/metrics`): they arrive every few seconds per instance,
 * so they are logged at debug only and never traced, lest they bury the real traffic.
 */
const PROBE_OR_SCRAPE = /^\/(health|metrics)(\/|$|\?)/;

export function isProbeOrScrape(url: string | undefined): boolean {
  return PROBE_OR_SCRAPE.test(url ?? '');
}
