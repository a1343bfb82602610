import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { getMetadataStorage, type ValidationError } from 'class-validator';
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
  const collected: FieldError[] = [];
  const codes = new Map<string, string>();
  collect(errors, '', collected, codes);
  const seen = new Set<string>();
  const fields = collected.filter(({ field, message }) => !seen.has(`${field}\n${message}`) && seen.add(`${field}\n${message}`));
  const [named] = codes;
  if (named !== undefined) return new ProblemError(named[0], named[1], { errors: fields });
  const detail = fields.length === 1 ? fields[0]!.message : `${fields.length} fields are invalid: ${fields.map((f) => f.field).join(', ')}`;
  return new ProblemError('VALIDATION_FAILED', detail, { errors: fields });
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- class-validator keys its metadata by constructor
type DtoClass = Function;

/**
 * The fields of each DTO class, read once: its decorators registered them when the class was
 * defined, before any request. Asked twice a request on every route with a body, the metadata
 * scan was about 3 % of the gateway's time on the anonymous route (docs/benchmarks.md).
 */
const fieldsOf = new WeakMap<DtoClass, Map<string, DtoClass | null> | null>();

/** The properties a DTO class declares (with its parents'), and the DTO class of each nested one. */
function declaredFields(dto: DtoClass): Map<string, DtoClass | null> | null {
  if (fieldsOf.has(dto)) return fieldsOf.get(dto)!;
  const fields = readDeclaredFields(dto);
  fieldsOf.set(dto, fields);
  return fields;
}

function readDeclaredFields(dto: DtoClass): Map<string, DtoClass | null> | null {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  if (metadata.length === 0) return null;
  const fields = new Map<string, DtoClass | null>();
  for (const { propertyName, type } of metadata) {
    const nested =
      type === 'nestedValidation' ? (Reflect.getMetadata('design:type', dto.prototype as object, propertyName) as unknown) : null;
    if (!fields.has(propertyName) || typeof nested === 'function') fields.set(propertyName, typeof nested === 'function' ? nested : null);
  }
  return fields;
}

/**
 * Unknown fields, decided on the parsed JSON before class-transformer builds the DTO: it drops
 * keys that name a member of the DTO's prototype (`constructor`, `toString`, ...) without a word,
 * so the whitelist, which looks at the built instance, used to let them through as if absent.
 */
export function unknownFields(value: unknown, dto: DtoClass): ValidationError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const fields = declaredFields(dto);
  if (fields === null) return [];
  const errors: ValidationError[] = [];
  for (const key of Object.keys(value)) {
    const nested = fields.get(key);
    if (nested === undefined) {
      errors.push({ property: key, constraints: { whitelistValidation: `${key} is not an accepted field` }, children: [] });
    } else if (nested !== null) {
      const children = unknownFields((value as Record<string, unknown>)[key], nested);
      if (children.length > 0) errors.push({ property: key, children });
    }
  }
  return errors;
}

const isJsonObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/** class-validator's own errors behind each problem the pipe raised, to merge the plain-value check in. */
const rawErrors = new WeakMap<ProblemError, ValidationError[]>();

/**
 * ValidationPipe that also decides unknown fields of a body on the plain value (see
 * unknownFields), reporting them together with what class-validator found.
 */
class EdgeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.type === 'body' && typeof metadata.metatype === 'function' ? metadata.metatype : null;
    // No body validates as `{}`; a body that is JSON but not an object (null, [], 0) is refused.
    if (dto !== null && declaredFields(dto) !== null && value !== undefined && !isJsonObject(value)) {
      throw new ProblemError('VALIDATION_FAILED', 'The body must be a JSON object', {
        errors: [{ field: '(body)', message: 'The body must be a JSON object' }],
      });
    }
    const unknown = dto === null ? [] : unknownFields(value, dto);
    let result: unknown;
    try {
      result = await super.transform(value, metadata);
    } catch (error) {
      const found = error instanceof ProblemError ? rawErrors.get(error) : undefined;
      if (found === undefined || unknown.length === 0) throw error;
      throw validationProblem([...found, ...unknown]);
    }
    if (unknown.length > 0) throw validationProblem(unknown);
    return result;
  }
}

/**
 * Bodies are DTO classes: unknown fields are rejected (on the plain value, then whitelist +
 * forbidNonWhitelisted), values are never coerced, and a missing body validates as `{}`.
 */
export function createValidationPipe(): ValidationPipe {
  return new EdgeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: true,
    exceptionFactory: (errors: ValidationError[]) => {
      const problem = validationProblem(errors);
      rawErrors.set(problem, errors);
      return problem;
    },
  });
}
