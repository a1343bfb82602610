import { PROFILE_FIELD_NAMES, type ProfileFields } from '@idstream/contracts';
import { Example, IsIsoDate, MultiLineText, Optional, Text, TextMatching } from './validators';

/**
 * The personal fields of a profile, shared by registration, account updates and backend
 * imports. Lengths are generous ceilings against abuse, not business rules. Every field but
 * the address is a single line (no control characters).
 */
export class ProfileFieldsDto implements ProfileFields {
  @Optional() @Text(1, 100) @Example('Ada') firstName?: string;
  @Optional() @Text(1, 100) @Example('Lovelace') lastName?: string;
  @Optional() @Text(1, 100) @Example('Ada L.') displayName?: string;
  @Optional()
  @TextMatching(1, 32, /^\+?[0-9 ()./-]+$/, 'a phone number of at most 32 digits, spaces and + ( ) . / -')
  @Example('+44 20 7946 0000')
  phone?: string;
  @Optional() @Text(1, 200) @Example('crm-1815') customId?: string;
  @Optional() @Text(1, 32) @Example('female') sex?: string;
  @Optional() @IsIsoDate() @Example('1815-12-10') birthDate?: string;
  @Optional() @Text(1, 200) @Example('Analytical Engines Ltd') company?: string;
  @Optional() @MultiLineText(1, 500) @Example('12 St James Square') address?: string;
  @Optional() @Text(1, 100) @Example('London') city?: string;
  @Optional() @Text(1, 100) @Example('Greater London') province?: string;
  @Optional() @Text(1, 20) @Example('SW1Y 4JH') zipCode?: string;
  @Optional() @TextMatching(2, 2, /^[A-Za-z]{2}$/, 'a country code of 2 letters (ISO 3166-1 alpha-2)') @Example('GB') countryCode?: string;
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
