import type { Agreements, Attributes } from '@idstream/contracts';
import { ProfileFieldsDto } from '../http/profile-fields.dto';
import { Email, Example, Immutable, IsAttributes, IsBooleanRecord, Bool, Optional, Secret, Text } from '../http/validators';

/** Every account field but email (EMAIL_IMMUTABLE) and password (an unknown field here). */
export class UpdateAccountDto extends ProfileFieldsDto {
  @Immutable('EMAIL_IMMUTABLE', 'email cannot be changed') email?: unknown;
  @Optional() @IsBooleanRecord() @Example({ email: true, sms: false }) agreements?: Agreements;
  @Optional() @IsAttributes() @Example({ plan: 'gold' }) attributes?: Attributes;
}

export class RequestEmailChangeDto {
  @Email() newEmail!: string;
  @Secret(1, 4096) password!: string;
}

/** The token from the mail to the new address. */
export class ConfirmEmailChangeDto {
  @Text(1, 512) token!: string;
  @Optional() @Bool() newsletterAgreement?: boolean;
}

export class ChangePasswordDto {
  @Secret(1, 4096) @Example('Analytical-Engine-1843') currentPassword!: string;
  @Secret(1, 4096) @Example('Difference-Engine-1822') newPassword!: string;
}

export class DeleteAccountDto {
  /** The current password: a stolen token alone cannot delete the account. */
  @Secret(1, 4096) password!: string;
}
