/**
 * What the e2e apps answered that openapi.json does not describe. The recorder in
 * exchange-recorder.ts adds to it; test/jest/openapi-contract.setup.ts fails the test that
 * caused a violation, and TestApp.close() fails with any that no hook has reported yet.
 * One collector per test file: Jest gives each file a module registry of its own.
 */
import type { RecordedExchange } from './openapi-contract';

export interface ContractViolation {
  exchange: RecordedExchange;
  /** The operation it was checked against, `METHOD /template`. */
  operation: string;
  problems: string[];
}

/** How long a hook waits for answers already sent in full to be flushed before it reports. */
const FLUSH_WAIT_MS = 2_000;
const EXCERPT = 300;

export class ContractViolations {
  private violations: ContractViolation[] = [];
  private flushing = 0;
  private waiters: (() => void)[] = [];

  add(violation: ContractViolation): void {
    this.violations.push(violation);
  }

  /** Takes the violations recorded so far. */
  drain(): ContractViolation[] {
    return this.violations.splice(0);
  }

  /** An answer was sent in full; `done` when it is flushed (or its connection closed). */
  flushStarted(): () => void {
    this.flushing++;
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      if (--this.flushing === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  /**
   * Resolves when every answer already sent in full has been checked, so one the client has
   * just read is not left to the next test; gives up after FLUSH_WAIT_MS (a client that
   * stopped reading), leaving those to whoever reports next.
   */
  async settled(): Promise<void> {
    if (this.flushing === 0) return;
    await new Promise<void>((wake) => {
      const timer = setTimeout(wake, FLUSH_WAIT_MS);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        wake();
      });
    });
  }
}

let current: ContractViolations | undefined;

export function contractViolations(): ContractViolations {
  current ??= new ContractViolations();
  return current;
}

/** Lists `violations` (recorded `when`), each with its exchange and the start of its body; '' for none. */
export function violationReport(violations: ContractViolation[], when: string): string {
  if (violations.length === 0) return '';
  const count = violations.reduce((sum, violation) => sum + violation.problems.length, 0);
  const lines = [`${count} OpenAPI contract violation(s) ${when}; openapi.json does not describe these answers:`];
  for (const { exchange, operation, problems } of violations) {
    lines.push(`  ${exchange.method} ${exchange.path} -> ${exchange.status}  [${operation}]`);
    for (const problem of problems) lines.push(`    - ${problem}`);
    if (exchange.body !== '') lines.push(`    body: ${excerpt(exchange.body)}`);
  }
  return lines.join('\n');
}

/** Fails with the reports that are not empty. */
export function failOnViolations(...reports: string[]): void {
  const message = reports.filter((report) => report !== '').join('\n\n');
  if (message === '') return;
  const error = new Error(message);
  // The report says where; a stack into this helper would only bury it.
  error.stack = message;
  throw error;
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ');
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}… (${body.length} characters)` : flat;
}
