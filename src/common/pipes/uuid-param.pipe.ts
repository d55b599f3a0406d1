import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationProblem } from '@/common/http/problem';

/** A path id that must be a UUID: anything else is a 400 validation problem naming the field. */
export const uuidParam = (field = 'id'): ParseUUIDPipe =>
  new ParseUUIDPipe({
    exceptionFactory: () => new ValidationProblem([{ field, message: `${field} must be a UUID` }]),
  });
