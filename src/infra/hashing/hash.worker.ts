import { hashSync, verifySync, type Options } from '@node-rs/argon2';
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';

/**
 * The program of a password hashing thread. HashThreadPool starts this file as it is: the
 * compiled .js from dist/, and under ts-jest the .ts source, which Node runs by stripping
 * its types. So it imports packages only (Node resolves neither `@/` nor an extensionless
 * relative path here) and uses no syntax that stripping cannot erase (enums, namespaces,
 * parameter properties).
 */

export type HashRequest = { op: 'hash'; password: string } | { op: 'verify'; hash: string; password: string };

/** What argon2 answered: a PHC string or a verdict, or the error it threw (a malformed hash, say). */
export type HashReply = { value: string | boolean } | { error: string };

/** A reply to the request in hand, or, once at start, why the thread kept its priority. */
export type HashThreadMessage = HashReply | { niceFailed: string };

export interface HashWorkerData {
  /** Passed to @node-rs/argon2's hashSync as they are. */
  argon2Options: Options;
  /** Nice value the thread gives itself; 0 leaves it at the process's. */
  nice: number;
}

const messageOf = (error: unknown): string => String(error instanceof Error ? error.message : error);

export function answer(request: HashRequest, argon2Options: Options): HashReply {
  try {
    const value =
      request.op === 'hash' ? hashSync(request.password, argon2Options) : verifySync(request.hash, request.password);
    return { value };
  } catch (error) {
    return { error: messageOf(error) };
  }
}

/**
 * Answers each request on `port`, one at a time. On Linux, setPriority(0 = this thread)
 * changes the calling thread only. Nothing here may use the libuv pool (async fs, crypto,
 * dns): the process-wide threads it starts on first use would inherit this thread's priority.
 */
export function serve(port: MessagePort, { argon2Options, nice }: HashWorkerData): void {
  if (nice > 0) {
    try {
      setPriority(nice);
    } catch (error) {
      port.postMessage({ niceFailed: messageOf(error) } satisfies HashThreadMessage);
    }
  }
  port.on('message', (request: HashRequest) => port.postMessage(answer(request, argon2Options)));
}

// Imported anywhere else (a unit test, say), the file only exports.
if (!isMainThread && parentPort) serve(parentPort, workerData as HashWorkerData);
