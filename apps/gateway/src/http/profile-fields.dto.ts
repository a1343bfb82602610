import { IsString, Length, Matches } from 'class-validator';
import type { ProfileFields } from '@idstream/contracts';
import { IsIsoDate, Optional } from './validators';

/**
 * The personal fields of a profile, shared by registration, account updates and backend
 * imports. Lengths are generous ceilings against abuse, not business rules.
 */
export class ProfileFieldsDto implements ProfileFields {
  @Optional() @IsString() @Length(1, 100) firstName?: string;
  @Optional() @IsString() @Length(1, 100) lastName?: string;
  @Optional() @IsString() @Length(1, 100) displayName?: string;
  @Optional() @IsString() @Length(1, 32) @Matches(/^\+?[0-9 ()./-]+$/, { message: 'phone must hold digits, spaces and + ( ) . / - only' }) phone?: string;
  @Optional() @IsString() @Length(1, 200) customId?: string;
  @Optional() @IsString() @Length(1, 32) sex?: string;
  @Optional() @IsIsoDate() birthDate?: string;
  @Optional() @IsString() @Length(1, 200) company?: string;
  @Optional() @IsString() @Length(1, 500) address?: string;
  @Optional() @IsString() @Length(1, 100) city?: string;
  @Optional() @IsString() @Length(1, 100) province?: string;
  @Optional() @IsString() @Length(1, 20) zipCode?: string;
  @Optional() @Matches(/^[A-Za-z]{2}$/, { message: 'countryCode must be 2 letters (ISO 3166-1 alpha-2)' }) countryCode?: string;
}

const PROFILE_FIELD_NAMES = [
  'firstName',
  'lastName',
  'displayName',
  'phone',
  'customId',
  'sex',
  'birthDate',
  'company',
  'address',
  'city',
  'province',
  'zipCode',
  'countryCode',
] as const satisfies readonly (keyof ProfileFields)[];

/** Copies only the profile fields that were given (a DTO also holds email, password, ...). */
export function profileFieldsOf(dto: ProfileFields): ProfileFields {
  const fields: ProfileFields = {};
  for (const name of PROFILE_FIELD_NAMES) {
    const value = dto[name];
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}
