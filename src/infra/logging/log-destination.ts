import pino, { DestinationStream } from 'pino';

type FlushableDestination = DestinationStream & { flushSync(): void };

let stdout: FlushableDestination | undefined;

/**
 * Standard output, written asynchronously: a synchronous write per line would block the
 * event loop on a slow pipe under load. One per process, shared by every application in
 * it; pino flushes it when the process exits, and {@link flushLogs} does on shutdown.
 */
export function stdoutDestination(): DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false }) as FlushableDestination;
  return stdout;
}

/** Writes out buffered lines, so the last words of a stopping instance are not lost. */
export function flushLogs(): void {
  try {
    stdout?.flushSync();
  } catch {
    // Nothing buffered yet, or stdout already closed: there is nothing left to save.
  }
}
