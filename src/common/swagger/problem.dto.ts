import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI description of one entry of a validation problem's `errors`. */
export class FieldErrorDto {
  @ApiProperty({ example: 'email' })
  field!: string;

  @ApiProperty({ example: 'email must be an email' })
  message!: string;
}

/** OpenAPI description of the RFC 9457 body every error carries. */
export class ProblemDto {
  @ApiProperty({ example: 'urn:problem:validation_failed', description: 'Stable problem type; switch on this' })
  type!: string;

  @ApiProperty({ example: 'Bad Request' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'The request is not valid; see errors for each field.' })
  detail!: string;

  @ApiProperty({ example: '/api/v1/auth/register' })
  instance!: string;

  @ApiProperty({ example: '5f0c6f2e-7a53-4f5e-9a8e-2d7c1b0f3e11' })
  requestId!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Present on validation failures' })
  errors?: FieldErrorDto[];
}
