import { PROFILE_FIELD_NAMES, type ProfileFields } from '@idstream/contracts';
import { IsIsoDate, MultiLineText, Optional, Text, TextMatching } from './validators';

/**
 * The personal fields of a profile, shared by registration, account updates and backend
 * imports. Lengths are generous ceilings against abuse, not business rules. Every field but
 * the address is a single line (no control characters).
 */
export class ProfileFieldsDto implements ProfileFields {
  @Optional() @Text(1, 100) firstName?: string;
  @Optional() @Text(1, 100) lastName?: string;
  @Optional() @Text(1, 100) displayName?: string;
  @Optional() @TextMatching(1, 32, /^\+?[0-9 ()./-]+$/, 'a phone number of at most 32 digits, spaces and + ( ) . / -') phone?: string;
  @Optional() @Text(1, 200) customId?: string;
  @Optional() @Text(1, 32) sex?: string;
  @Optional() @IsIsoDate() birthDate?: string;
  @Optional() @Text(1, 200) company?: string;
  @Optional() @MultiLineText(1, 500) address?: string;
  @Optional() @Text(1, 100) city?: string;
  @Optional() @Text(1, 100) province?: string;
  @Optional() @Text(1, 20) zipCode?: string;
  @Optional() @TextMatching(2, 2, /^[A-Za-z]{2}$/, 'a country code of 2 letters (ISO 3166-1 alpha-2)') countryCode?: string;
}

/** Copies only the profile fields that were given (a DTO also holds email, password, ...). */
export function profileFieldsOf(dto: ProfileFields): ProfileFields {
  const fields: ProfileFields = {};
  for (const name of PROFILE_FIELD_NAMES) {
    const value = dto[name];
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}
