import type { Agreements, Attributes } from '@idstream/contracts';
import { ProfileFieldsDto } from '../http/profile-fields.dto';
import { Email, IsAttributes, IsBooleanRecord, Optional, Pin, Secret, Text } from '../http/validators';

/** Passwords are checked against the workspace's policy by auth; this only bounds the size. */
const MAX_PASSWORD_CHARS = 4096;

export class RegisterAccountDto extends ProfileFieldsDto {
  @Email() email!: string;
  @Secret(1, MAX_PASSWORD_CHARS) password!: string;
  @Optional() @IsBooleanRecord() agreements?: Agreements;
  @Optional() @IsAttributes() attributes?: Attributes;
}

/** A confirmation, activation or reset token from a mail. */
export class ConfirmEmailDto {
  @Text(1, 512) token!: string;
}

/** A 6-digit activation PIN from the mail (mode `email-pin-activation`). */
export class ActivatePinDto {
  @Email() email!: string;
  @Pin() pin!: string;
}

export class EmailOnlyDto {
  @Email() email!: string;
}

export class ConfirmPasswordResetDto {
  @Text(1, 512) token!: string;
  @Secret(1, MAX_PASSWORD_CHARS) password!: string;
}
