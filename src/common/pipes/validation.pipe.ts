import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationProblem } from '@/common/http/problem';

/** Flattens class-validator's tree into `{ field: "address.city", message }` entries. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

/** Enough to fix a real request; a longer list only makes a hostile one's answer bigger. */
export const MAX_FIELD_ERRORS = 20;

/** A validation problem listing at most {@link MAX_FIELD_ERRORS} entries, saying when more were left out. */
export function boundedValidationProblem(errors: FieldError[]): ValidationProblem {
  if (errors.length <= MAX_FIELD_ERRORS) return new ValidationProblem(errors);
  return new ValidationProblem(
    errors.slice(0, MAX_FIELD_ERRORS),
    `The request is not valid; see errors for the first ${MAX_FIELD_ERRORS} of ${errors.length} field errors (the rest are omitted).`,
  );
}

/**
 * The global validation pipe: unknown fields are refused (never silently dropped or
 * stored), payloads are transformed into their DTO classes, and failures become a
 * validation problem with one entry per field (at most {@link MAX_FIELD_ERRORS}).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => boundedValidationProblem(toFieldErrors(errors)),
  });
}
