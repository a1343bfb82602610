import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { ValidateIf, isEmail, registerDecorator, type ValidationArguments } from 'class-validator';
import { MAX_EMAIL_LENGTH, canonicalEmail, describeEmailRefusal } from '@idstream/contracts';
import { hasControlCharacter } from './input-inspection';

/*
 * Each rule below also declares the field's JSON Schema for the OpenAPI document (@ApiProperty,
 * merged with what other decorators of the same field declare): the rule that validates a field
 * is the one place that describes it, so the document cannot drift from what the gateway accepts.
 */

/** Optional, but never null: absent means "not given"; null is a wrong type, not a way to clear. */
export const Optional = (): PropertyDecorator =>
  both(
    ValidateIf((_object: object, value: unknown) => value !== undefined),
    { required: false },
  );

/** An example value of the field for the OpenAPI document (Swagger UI builds its sample bodies from them). */
export const Example = (example: unknown): PropertyDecorator => ApiProperty({ example });

function both(validation: PropertyDecorator, schema: ApiPropertyOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    validation(target, propertyName);
    ApiProperty(schema)(target, propertyName);
  };
}

const DEVICE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A device uuid as SDKs generate them: UUID version 4 (random) or 7 (time-ordered). */
export function isDeviceUuid(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_UUID.test(value);
}

/** One decorator, one message: "x is required" when absent, else "x <message>". */
function rule(name: string, message: string, validate: (value: unknown) => boolean, schema: ApiPropertyOptions): PropertyDecorator {
  return both(
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: String(propertyName),
        options: {
          message: (args: ValidationArguments) =>
            args.value === undefined ? `${args.property} is required` : `${args.property} ${message}`,
        },
        validator: { validate },
      }),
    schema,
  );
}

const isString = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max;

/**
 * A single-line string of `min` to `max` characters: names, ids, keys, city, ... No control
 * character (C0, DEL, C1: no ANSI escape, no line break). NUL, lone surrogates and
 * non-characters never get this far (input-inspection.ts refuses them in every field).
 */
export const Text = (min: number, max: number): PropertyDecorator =>
  rule(
    'isText',
    `must be a single line of ${min} to ${max} characters without control characters`,
    (value) => isString(value, min, max) && !hasControlCharacter(value),
    { type: 'string', minLength: min, maxLength: max, description: 'A single line without control characters.' },
  );

/** Like Text, but tab, line feed and carriage return are allowed (a postal address). */
export const MultiLineText = (min: number, max: number): PropertyDecorator =>
  rule(
    'isMultiLineText',
    `must be a string of ${min} to ${max} characters without control characters but tab and line breaks`,
    (value) => isString(value, min, max) && !hasControlCharacter(value, true),
    { type: 'string', minLength: min, maxLength: max, description: 'Without control characters but tab and line breaks.' },
  );

/**
 * A password or one-time secret: any characters the edge accepts at all, only the length is
 * bounded (a password someone once set must keep working at sign-in).
 */
export const Secret = (min: number, max: number): PropertyDecorator =>
  rule('isSecret', `must be a string of ${min} to ${max} characters`, (value) => isString(value, min, max), {
    type: 'string',
    format: 'password',
    minLength: min,
    maxLength: max,
  });

/** A single-line string of `min` to `max` characters matching `pattern`, described for the message. */
export const TextMatching = (min: number, max: number, pattern: RegExp, description: string): PropertyDecorator =>
  rule(
    'isTextMatching',
    `must be ${description}`,
    (value) => isString(value, min, max) && !hasControlCharacter(value) && pattern.test(value),
    {
      type: 'string',
      minLength: min,
      maxLength: max,
      pattern: pattern.source,
      description: `${description[0]!.toUpperCase()}${description.slice(1)}.`,
    },
  );

/** A whole number from `min` to `max`. */
export const Int = (min: number, max: number): PropertyDecorator =>
  rule(
    'isInt',
    `must be a whole number from ${min} to ${max}`,
    (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max,
    { type: 'integer', minimum: min, maximum: max },
  );

export const Bool = (): PropertyDecorator =>
  rule('isBool', 'must be true or false', (value) => typeof value === 'boolean', { type: 'boolean' });

export const OneOf = (values: readonly string[]): PropertyDecorator =>
  rule('isOneOf', `must be one of ${values.join(', ')}`, (value) => typeof value === 'string' && values.includes(value), {
    type: 'string',
    enum: [...values],
  });

/**
 * An email address that has a canonical form (`canonicalEmail`: well-formed Unicode, no
 * invisible or NFC-replaced characters, a valid domain) and that class-validator takes for
 * an address. The canonical check runs first: `isEmail` throws URIError on a lone surrogate.
 */
export const Email = (): PropertyDecorator =>
  both(
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isEmail',
        target: target.constructor,
        propertyName: String(propertyName),
        options: {
          message: (args: ValidationArguments) => {
            if (args.value === undefined) return `${args.property} is required`;
            const result = canonicalEmail(args.value);
            return `${args.property} ${result.ok ? `must be an email address of at most ${MAX_EMAIL_LENGTH} characters` : describeEmailRefusal(result.reason)}`;
          },
        },
        validator: { validate: (value: unknown) => typeof value === 'string' && canonicalEmail(value).ok && isEmail(value) },
      }),
    { type: 'string', format: 'email', maxLength: MAX_EMAIL_LENGTH },
  );

export const IsDeviceUuid = (): PropertyDecorator =>
  rule('isDeviceUuid', 'must be a UUID version 4 or 7', isDeviceUuid, {
    type: 'string',
    format: 'uuid',
    pattern: DEVICE_UUID.source,
    description: 'A UUID version 4 or 7.',
  });

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date, YYYY-MM-DD, that exists (no 2023-02-30). */
export function isIsoDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const IsIsoDate = (): PropertyDecorator =>
  rule('isIsoDate', 'must be a date as YYYY-MM-DD', isIsoDate, { type: 'string', format: 'date' });

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** An object of booleans with at most `maxKeys` short keys (consent flags). */
export function isBooleanRecord(value: unknown, maxKeys = 50, maxKeyLength = 64): boolean {
  if (!isPlainObject(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= maxKeys && entries.every(([key, flag]) => key.length > 0 && key.length <= maxKeyLength && typeof flag === 'boolean')
  );
}

export const IsBooleanRecord = (): PropertyDecorator =>
  rule('isBooleanRecord', 'must be an object of at most 50 boolean flags', (value) => isBooleanRecord(value), {
    type: 'object',
    additionalProperties: { type: 'boolean' },
    maxProperties: 50,
    description: 'Consent flags by name (names of 1 to 64 characters).',
  });

/** A plain JSON object whose serialized size is at most `maxBytes` (free-form attributes). */
export function isBoundedObject(value: unknown, maxBytes: number): boolean {
  if (!isPlainObject(value)) return false;
  return Buffer.byteLength(JSON.stringify(value), 'utf8') <= maxBytes;
}

export const MAX_ATTRIBUTES_BYTES = 16_384;

export const IsAttributes = (): PropertyDecorator =>
  rule(
    'isAttributes',
    `must be an object of at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON`,
    (value) => isBoundedObject(value, MAX_ATTRIBUTES_BYTES),
    { type: 'object', additionalProperties: true, description: `Free-form attributes: at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON.` },
  );

/**
 * A field the client may not change: any value fails, with the public error code as the
 * constraint's name, so the validation problem carries that code (e.g. EMAIL_IMMUTABLE).
 */
export const Immutable =
  (code: string, message: string): PropertyDecorator =>
  (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: code,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message },
      validator: { validate: (value: unknown) => value === undefined },
    });

/** A 6-digit activation PIN (kept as a string: leading zeros count). */
export const Pin = (): PropertyDecorator => TextMatching(6, 6, /^\d{6}$/, 'a 6-digit PIN');
