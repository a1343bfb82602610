import { ValidateIf, registerDecorator, type ValidationOptions } from 'class-validator';

/** Optional, but never null: absent means "not given"; null is a wrong type, not a way to clear. */
export const Optional = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);

const DEVICE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A device uuid as SDKs generate them: UUID version 4 (random) or 7 (time-ordered). */
export function isDeviceUuid(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_UUID.test(value);
}

function rule(name: string, message: string, validate: (value: unknown) => boolean, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} ${message}`, ...options },
      validator: { validate },
    });
}

export const IsDeviceUuid = (): PropertyDecorator => rule('isDeviceUuid', 'must be a UUID version 4 or 7', isDeviceUuid);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date, YYYY-MM-DD, that exists (no 2023-02-30). */
export function isIsoDate(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const IsIsoDate = (): PropertyDecorator => rule('isIsoDate', 'must be a date as YYYY-MM-DD', isIsoDate);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** An object of booleans with at most `maxKeys` short keys (consent flags). */
export function isBooleanRecord(value: unknown, maxKeys = 50, maxKeyLength = 64): boolean {
  if (!isPlainObject(value)) return false;
  const entries = Object.entries(value);
  return entries.length <= maxKeys && entries.every(([key, flag]) => key.length > 0 && key.length <= maxKeyLength && typeof flag === 'boolean');
}

export const IsBooleanRecord = (): PropertyDecorator =>
  rule('isBooleanRecord', 'must be an object of at most 50 boolean flags', (value) => isBooleanRecord(value));

/** A plain JSON object whose serialized size is at most `maxBytes` (free-form attributes). */
export function isBoundedObject(value: unknown, maxBytes: number): boolean {
  if (!isPlainObject(value)) return false;
  return Buffer.byteLength(JSON.stringify(value), 'utf8') <= maxBytes;
}

export const MAX_ATTRIBUTES_BYTES = 16_384;

export const IsAttributes = (): PropertyDecorator =>
  rule('isAttributes', `must be an object of at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON`, (value) => isBoundedObject(value, MAX_ATTRIBUTES_BYTES));

/**
 * A field the client may not change: any value fails, with the public error code as the
 * constraint's name, so the validation problem carries that code (e.g. EMAIL_IMMUTABLE).
 */
export const Immutable = (code: string, message: string): PropertyDecorator => (target: object, propertyName: string | symbol) =>
  registerDecorator({
    name: code,
    target: target.constructor,
    propertyName: String(propertyName),
    options: { message },
    validator: { validate: (value: unknown) => value === undefined },
  });
