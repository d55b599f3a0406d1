import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { PROBLEM_CODES, problemType } from '@/common/http/problem-types';
import { MAX_FIELD_ERRORS } from '@/common/pipes/validation.pipe';

/** OpenAPI description of one entry of a validation problem's `errors`. */
@ApiSchema({ name: 'FieldError', description: 'One invalid field of a request' })
export class FieldErrorDto {
  @ApiProperty({ example: 'email', maxLength: 200, description: 'The field, dotted for nested ones' })
  field!: string;

  @ApiProperty({ example: 'email must be an email', maxLength: 500 })
  message!: string;
}

/** OpenAPI description of the RFC 9457 body every error carries. */
@ApiSchema({ name: 'Problem', description: 'RFC 9457 problem details; every error answer has this body' })
export class ProblemDto {
  @ApiProperty({
    enum: PROBLEM_CODES.map(problemType),
    example: problemType('validation_failed'),
    description:
      'Stable problem type; switch on this. A URI reference to the page of the type (relative to the service), ' +
      'one of the registry at /problems.',
  })
  type!: string;

  @ApiProperty({ example: 'Bad Request', maxLength: 100, description: 'The reason phrase of the status' })
  title!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599, example: 400 })
  status!: number;

  @ApiProperty({
    example: 'The request is not valid; see errors for each field.',
    maxLength: 1000,
    description: 'For people; its wording may change',
  })
  detail!: string;

  @ApiProperty({ example: '/api/v1/auth/register', maxLength: 16_384, description: 'The path and query asked for' })
  instance!: string;

  @ApiProperty({
    example: '5f0c6f2e-7a53-4f5e-9a8e-2d7c1b0f3e11',
    pattern: '^[A-Za-z0-9._:@-]{1,128}$',
    maxLength: 128,
    description: 'The X-Request-Id of the request; quote it when reporting a failure',
  })
  requestId!: string;

  @ApiPropertyOptional({
    type: [FieldErrorDto],
    maxItems: MAX_FIELD_ERRORS,
    description: 'Present on validation failures',
  })
  errors?: FieldErrorDto[];
}
