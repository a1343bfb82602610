import { ApiProperty } from '@nestjs/swagger';
import type { FieldError, Problem } from '../http/problem';

/** The OpenAPI schema of `Problem` (http/problem.ts): the body of every error, as application/problem+json. */
export class FieldErrorSchema implements FieldError {
  @ApiProperty({ example: 'email' }) field!: string;
  @ApiProperty({ example: 'email is required' }) message!: string;
}

export class ProblemSchema implements Problem {
  @ApiProperty({ description: 'A URN naming the problem type (one per code)', example: 'urn:idstream:problem:validation-failed' })
  type!: string;
  @ApiProperty({ example: 'Validation failed' }) title!: string;
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 }) status!: number;
  @ApiProperty({
    description: 'The stable error code (libs/contracts error-codes.ts); never renamed once published',
    example: 'VALIDATION_FAILED',
  })
  code!: string;
  @ApiProperty({ example: 'email is required' }) detail!: string;
  @ApiProperty({ required: false }) instance?: string;
  @ApiProperty({ type: [FieldErrorSchema], required: false, description: 'For VALIDATION_FAILED: one entry per refused field' })
  errors?: FieldError[];
}
