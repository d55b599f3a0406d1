import { createServer } from 'node:http';
import { applyHttpTimeouts, HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } from './http-timeouts';

type CheckedServer = ReturnType<typeof createServer> & { connectionsCheckingInterval: number };

describe(applyHttpTimeouts.name, () => {
  it('outlasts the balancer on idle connections and bounds how long a request may take to arrive', () => {
    const sut = createServer() as CheckedServer;

    applyHttpTimeouts(sut, 30_000);

    expect(sut.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(sut.keepAliveTimeout).toBeGreaterThan(60_000);
    expect(sut.requestTimeout).toBe(30_000);
    expect(sut.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(sut.connectionsCheckingInterval).toBe(1_000);
  });

  it('keeps the headers timeout and the checking interval within a short request timeout, as Node requires', () => {
    const sut = createServer() as CheckedServer;

    applyHttpTimeouts(sut, 500);

    expect(sut.requestTimeout).toBe(500);
    expect(sut.headersTimeout).toBe(500);
    expect(sut.connectionsCheckingInterval).toBe(500);
    expect(() =>
      createServer({ requestTimeout: sut.requestTimeout, headersTimeout: sut.headersTimeout }),
    ).not.toThrow();
  });
});
