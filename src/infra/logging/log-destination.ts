import pino, { DestinationStream } from 'pino';

type FlushableDestination = DestinationStream & { flushSync(): void };

let stdout: FlushableDestination | undefined;

/** Lines are gathered up to this many bytes, or for at most {@link FLUSH_INTERVAL_MS}, per write. */
const BATCH_BYTES = 4096;
const FLUSH_INTERVAL_MS = 100;

/**
 * Standard output, written asynchronously: a synchronous write per line would block the
 * event loop on a slow pipe under load. Lines are batched, so a busy instance makes one
 * write per few dozen lines instead of one per line, and a quiet one still writes within
 * FLUSH_INTERVAL_MS. One per process, shared by every application in it; pino flushes it
 * when the process exits, and {@link flushLogs} does on shutdown.
 */
export function stdoutDestination(): DestinationStream {
  stdout ??= pino.destination({
    dest: 1,
    sync: false,
    minLength: BATCH_BYTES,
    periodicFlush: FLUSH_INTERVAL_MS,
  }) as FlushableDestination;
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
