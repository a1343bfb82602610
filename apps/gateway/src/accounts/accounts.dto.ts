import type { Agreements, Attributes } from '@idstream/contracts';
import { ProfileFieldsDto } from '../http/profile-fields.dto';
import { Email, Example, IsAttributes, IsBooleanRecord, Optional, Pin, Secret, Text } from '../http/validators';

/** Passwords are checked against the workspace's policy by auth; this only bounds the size. */
const MAX_PASSWORD_CHARS = 4096;

export class RegisterAccountDto extends ProfileFieldsDto {
  @Email() @Example('ada@example.com') email!: string;
  @Secret(1, MAX_PASSWORD_CHARS) @Example('Analytical-Engine-1843') password!: string;
  @Optional() @IsBooleanRecord() @Example({ email: true, sms: false }) agreements?: Agreements;
  @Optional() @IsAttributes() @Example({ plan: 'gold' }) attributes?: Attributes;
}

/** A confirmation, activation or reset token from a mail. */
export class ConfirmEmailDto {
  @Text(1, 512) @Example('Zq3v0o7K1xS8m2Jc5Fh9tLwY4bNe6RgU0aPdTiVkXyM') token!: string;
}

/** A 6-digit activation PIN from the mail (mode `email-pin-activation`). */
export class ActivatePinDto {
  @Email() email!: string;
  @Pin() pin!: string;
}

export class EmailOnlyDto {
  @Email() @Example('ada@example.com') email!: string;
}

export class ConfirmPasswordResetDto {
  @Text(1, 512) @Example('Zq3v0o7K1xS8m2Jc5Fh9tLwY4bNe6RgU0aPdTiVkXyM') token!: string;
  @Secret(1, MAX_PASSWORD_CHARS) @Example('Difference-Engine-1822') password!: string;
}
