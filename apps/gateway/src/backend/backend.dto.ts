import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { MAX_EMAIL_LENGTH, isUuid, type Attributes, type FindProfilesQuery } from '@idstream/contracts';
import { ProfileFieldsDto } from '../http/profile-fields.dto';
import { ProblemError } from '../http/problem';
import { Email, Example, IsAttributes, Optional, Text } from '../http/validators';

/** Upsert of a customer by email or customId (at least one: checked by `requireIdentifier`). */
export class ImportProfileDto extends ProfileFieldsDto {
  @Optional() @Email() @Example('ada@example.com') email?: string;
  @Optional() @IsAttributes() @Example({ plan: 'gold' }) attributes?: Attributes;
}

export function requireIdentifier(body: ImportProfileDto): void {
  if (body.email === undefined && body.customId === undefined) {
    throw new ProblemError('VALIDATION_FAILED', 'email or customId is required', {
      errors: [
        { field: 'email', message: 'email or customId is required' },
        { field: 'customId', message: 'email or customId is required' },
      ],
    });
  }
}

/** Which customer the device belongs to: exactly one of the three (checked by `recognizeTarget`). */
export class RecognizeClientDto {
  @Optional() @Email() @Example('ada@example.com') email?: string;
  @Optional() @Text(1, 200) customId?: string;
  @Optional() @Text(1, 128) profileId?: string;
}

export function recognizeTarget(body: RecognizeClientDto): RecognizeClientDto {
  const given = (['email', 'customId', 'profileId'] as const).filter((k) => body[k] !== undefined);
  if (given.length !== 1) {
    throw new ProblemError('VALIDATION_FAILED', 'Send exactly one of email, customId and profileId', {
      errors: [{ field: given.length === 0 ? 'email' : given[1]!, message: 'exactly one of email, customId and profileId is required' }],
    });
  }
  return { [given[0]!]: body[given[0]!] };
}

export function requireUuidParam(value: string, field: string): string {
  if (!isUuid(value))
    throw new ProblemError('VALIDATION_FAILED', `${field} must be a UUID`, { errors: [{ field, message: `${field} must be a UUID` }] });
  return value;
}

const LOOKUPS = ['email', 'customId', 'uuid'] as const;

/** The lookups of parseProfileLookup as OpenAPI query parameters (exactly one is sent). */
export const ProfileLookupQuery = (): MethodDecorator =>
  applyDecorators(
    ApiQuery({
      name: 'email',
      required: false,
      schema: { type: 'string', format: 'email', maxLength: MAX_EMAIL_LENGTH },
      example: 'ada@example.com',
    }),
    ApiQuery({ name: 'customId', required: false, schema: { type: 'string', minLength: 1, maxLength: 320 }, example: 'crm-1815' }),
    ApiQuery({
      name: 'uuid',
      required: false,
      schema: { type: 'string', format: 'uuid' },
      example: '5b1f3c1e-8d6a-4f7e-9a2b-3c4d5e6f7a8b',
    }),
  );

/** `?email=` | `?customId=` | `?uuid=`: exactly one, once, non-empty; anything else is BAD_QUERY. */
export function parseProfileLookup(query: Record<string, unknown>): Pick<FindProfilesQuery, 'by' | 'value'> {
  const keys = Object.keys(query);
  const unknown = keys.filter((k) => !(LOOKUPS as readonly string[]).includes(k));
  const given = LOOKUPS.filter((k) => query[k] !== undefined);
  const bad = (detail: string) => new ProblemError('BAD_QUERY', detail);
  if (unknown.length > 0) throw bad(`Unknown query parameter ${unknown.join(', ')}; use exactly one of email, customId, uuid`);
  if (given.length !== 1) throw bad('Use exactly one of the query parameters email, customId, uuid');
  const by = given[0]!;
  const value = query[by];
  if (typeof value !== 'string' || value.length === 0 || value.length > 320) throw bad(`${by} must be given once, as a non-empty value`);
  if (by === 'uuid' && !isUuid(value)) throw bad('uuid must be a UUID');
  return { by, value };
}

/** `{ reason? }`: an operator's note (not stored; the sessions close with reason `admin`). */
export class RevokeSessionsDto {
  @Optional() @Text(1, 200) reason?: string;
}
