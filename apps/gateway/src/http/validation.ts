import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { ErrorCodes } from '@idstream/contracts';
import { ProblemError, type FieldError } from './problem';

function collect(errors: ValidationError[], parent: string, out: FieldError[], codes: Map<string, string>): void {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      // A validator may name a public error code as its constraint (e.g. EMAIL_IMMUTABLE).
      if (constraint in ErrorCodes && !codes.has(constraint)) codes.set(constraint, message);
      out.push({ field: field || '(body)', message: constraint === 'whitelistValidation' ? `${field} is not an accepted field` : message });
    }
    if (error.children && error.children.length > 0) collect(error.children, field, out, codes);
  }
}

/**
 * class-validator's errors as one problem: code VALIDATION_FAILED with `errors: [{ field,
 * message }]`, or the public code a validator names (EMAIL_IMMUTABLE) when there is one.
 */
export function validationProblem(errors: ValidationError[]): ProblemError {
  const fields: FieldError[] = [];
  const codes = new Map<string, string>();
  collect(errors, '', fields, codes);
  const [named] = codes;
  if (named !== undefined) return new ProblemError(named[0], named[1], { errors: fields });
  const detail = fields.length === 1 ? fields[0]!.message : `${fields.length} fields are invalid: ${fields.map((f) => f.field).join(', ')}`;
  return new ProblemError('VALIDATION_FAILED', detail, { errors: fields });
}

/**
 * Bodies are DTO classes: unknown fields are rejected (whitelist + forbidNonWhitelisted), values
 * are never coerced, and a missing body validates as `{}`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) => validationProblem(errors),
  });
}
