import type { Agreements, Attributes } from '@idstream/contracts';
import { ProfileFieldsDto } from '../http/profile-fields.dto';
import { Email, Immutable, IsAttributes, IsBooleanRecord, IsBoolean, Optional, Secret, Text } from '../http/validators';

/** Every account field but email (EMAIL_IMMUTABLE) and password (an unknown field here). */
export class UpdateAccountDto extends ProfileFieldsDto {
  @Immutable('EMAIL_IMMUTABLE', 'email cannot be changed') email?: unknown;
  @Optional() @IsBooleanRecord() agreements?: Agreements;
  @Optional() @IsAttributes() attributes?: Attributes;
}

export class RequestEmailChangeDto {
  @Email() newEmail!: string;
  @Secret(1, 4096) password!: string;
}

/** The token from the mail to the new address. */
export class ConfirmEmailChangeDto {
  @Text(1, 512) token!: string;
  @Optional() @IsBoolean() newsletterAgreement?: boolean;
}

export class ChangePasswordDto {
  @Secret(1, 4096) currentPassword!: string;
  @Secret(1, 4096) newPassword!: string;
}
