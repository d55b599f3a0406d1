/**
 * Thrown by a handler that knows another attempt would fail the same way (a mail server's
 * 550, a record that can never be valid): the job fails at once, without the remaining
 * attempts, and is kept as failed, counted and logged like one that used them all up.
 * Any other error means "retry". BullMQ gets it as its `UnrecoverableError`; the database
 * queue marks the row failed.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}
