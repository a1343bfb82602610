import type { Agreements, Attributes, OwnerProof } from '@idstream/contracts';
import { ProblemError } from '../http/problem';
import { ProfileFieldsDto } from '../http/profile-fields.dto';
import { Email, Example, Immutable, IsAttributes, IsBooleanRecord, Bool, Optional, Secret, Text } from '../http/validators';

/** Every account field but email (EMAIL_IMMUTABLE) and password (an unknown field here). */
export class UpdateAccountDto extends ProfileFieldsDto {
  @Immutable('EMAIL_IMMUTABLE', 'email cannot be changed') email?: unknown;
  @Optional() @IsBooleanRecord() @Example({ email: true, sms: false }) agreements?: Agreements;
  @Optional() @IsAttributes() @Example({ plan: 'gold' }) attributes?: Attributes;
}

/**
 * The owner proving it is them again: `password`, or for a profile with a linked external
 * identity `externalToken`, a fresh ID token (at most 5 minutes old) of the linked provider.
 */
export class OwnerProofDto {
  /** The current password (a profile that has one). */
  @Optional() @Secret(1, 4096) password?: string;
  /** Instead of the password: a fresh ID token of the provider the profile is linked to. */
  @Optional() @Secret(1, 16_384) externalToken?: string;
}

/** Exactly one of `password` and `externalToken`, or a 400 that says so. */
export function ownerProofOf(body: OwnerProofDto): OwnerProof {
  const sent = (['password', 'externalToken'] as const).filter((field) => body[field] !== undefined);
  if (sent.length !== 1) {
    const message = 'send either password or externalToken (exactly one of them)';
    throw new ProblemError('VALIDATION_FAILED', message, {
      errors: (sent.length === 0 ? (['password', 'externalToken'] as const) : sent).map((field) => ({ field, message })),
    });
  }
  return body.password !== undefined ? { password: body.password } : { externalToken: body.externalToken };
}

export class RequestEmailChangeDto extends OwnerProofDto {
  @Email() newEmail!: string;
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

/** The current password or a fresh ID token of the linked provider: a stolen access token alone cannot delete the account. */
export class DeleteAccountDto extends OwnerProofDto {}
