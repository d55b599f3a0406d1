/**
 * e2e project: fails the test whose requests got an answer openapi.json does not describe
 * (see test/support/exchange-recorder.ts). Answers to requests made in a beforeAll, or that
 * finished after their test ended, fail the next test; those after the last one, the file.
 */
import { contractViolations, failOnViolations, violationReport } from '@test/support/contract-violations';

const violations = contractViolations();
let beforeThisTest = violations.drain();

beforeEach(async () => {
  await violations.settled();
  beforeThisTest = violations.drain();
});

afterEach(async () => {
  await violations.settled();
  failOnViolations(
    violationReport(beforeThisTest.splice(0), 'in a beforeAll, or after an earlier test ended'),
    violationReport(violations.drain(), 'in this test'),
  );
});

afterAll(async () => {
  await violations.settled();
  failOnViolations(violationReport([...beforeThisTest.splice(0), ...violations.drain()], 'after the last test'));
});
