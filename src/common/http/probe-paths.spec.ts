import { isProbeOrScrape } from './probe-paths';

describe('isProbeOrScrape', () => {
  it.each(['/health', '/health/live', '/health/ready?x=1', '/metrics', '/metrics?name[]=up'])('matches %s', (url) => {
    expect(isProbeOrScrape(url)).toBe(true);
  });

  it.each(['/healthz', '/metrics-old', '/api/v1/health', '/', undefined])('leaves %s alone', (url) => {
    expect(isProbeOrScrape(url)).toBe(false);
  });
});
