import type { Agreements, Attributes, EmailConfusable, ProfileFields, RegistrationMode } from '@idstream/contracts';

export interface Clock {
  /** ISO-8601 now. */
  now: string;
  /** ISO-8601: when the last access token issued now will have expired (now + max token TTL). */
  tokensExpireBy: string;
}

/**
 * What can be asked of a profile. Time, ids, password hashes and the results of checks done
 * outside the transaction (a verified password) arrive in the command, so `decide` stays pure.
 */
export type ProfileCommand =
  | {
      type: 'RegisterAccount';
      email: string;
      passwordHash: string;
      profile: ProfileFields;
      agreements: Agreements;
      attributes: Attributes;
      deviceUuid: string | null;
      mode: RegistrationMode;
      confirmationExpiresAt: string;
      /** When an activation PIN mailed at registration expires (mode `email-pin-activation`). */
      pinExpiresAt: string;
      /** Set when the workspace flags (rather than refuses) confusable emails and this one is. */
      emailConfusable?: EmailConfusable | null;
    }
  | { type: 'ConfirmEmail' }
  | { type: 'RequestConfirmation'; mode: RegistrationMode; expiresAt: string }
  /** A new activation PIN for a pending account (mode `email-pin-activation`), bound to the asking device. */
  | { type: 'RequestActivationPin'; deviceUuid: string; expiresAt: string }
  /** The mailed PIN was checked (and spent) outside `decide`, under its row lock. */
  | { type: 'ActivateWithPin' }
  | {
      type: 'SignIn';
      passwordValid: boolean;
      /** The stored hash the password was checked against, outside the transaction. */
      verifiedHash: string | null;
      rehashedPassword: string | null;
      sessionId: string;
      deviceUuid: string | null;
      sessionExpiresAt: string;
      /** The workspace's requiredAgreements: each must be accepted (true) for a session to open. */
      requiredAgreements?: string[];
      /** Agreements accepted with this sign-in, recorded (AccountUpdated) before the check. */
      agreements?: Agreements;
    }
  | { type: 'RefreshSession'; sessionId: string; now: string }
  | { type: 'SignOut'; sessionId: string; clock: Clock }
  /** The caller signs out from every device (reason `sign-out-all`); its own session must be open. */
  | { type: 'SignOutEverywhere'; sessionId: string; clock: Clock }
  /** The backend closes every session of the profile (reason `admin`). */
  | { type: 'RevokeSessions'; clock: Clock }
  /** The owner deletes the account: the erasure of EraseProfile, sessions closed with `account-deleted`. */
  | { type: 'DeleteAccount'; proof: ProvenOwner; clock: Clock }
  | {
      type: 'UpdateAccount';
      /** The caller's session, which must be open in auth's own state. */
      sessionId: string;
      changes: ProfileFields;
      agreements?: Agreements;
      attributes?: Attributes;
    }
  | {
      type: 'ChangePassword';
      /** The hash the current password was verified against; a hash changed since refuses. */
      verifiedHash: string | null;
      newPasswordHash: string;
      keepSessionId: string;
      clock: Clock;
    }
  | { type: 'RequestPasswordReset'; expiresAt: string }
  | { type: 'CompletePasswordReset'; newPasswordHash: string; clock: Clock }
  | { type: 'ImportProfile'; email: string | null; profile: ProfileFields; attributes: Attributes }
  | { type: 'RecognizeClient'; uuid: string; matchedBy: 'email' | 'customId' | 'profileId'; previousProfileId: string | null }
  | { type: 'EraseProfile'; clock: Clock }
  | SignInExternalCommand
  | {
      type: 'RequestEmailChange';
      proof: ProvenOwner;
      newEmail: string;
      /** Whether the email index held the new email when looked up (after the answer). */
      newEmailTaken: boolean;
      expiresAt: string;
    }
  /** The mailed token was used (once) outside `decide`; the pending change it confirms is in the state. */
  | { type: 'ConfirmEmailChange'; now: string; newsletterAgreement?: boolean };

/**
 * What the owner proved before an erasure or an email change, checked again against the state:
 * the hash the password was verified against (a hash changed since refuses), or the linked
 * identity a fresh ID token was verified for (an identity no longer linked refuses).
 */
export type ProvenOwner = { by: 'password'; verifiedHash: string | null } | { by: 'external'; issuer: string; subject: string };

/** An identity of an external OpenID Connect provider, as its verified ID token names it. */
export interface ExternalIdentity {
  provider: string;
  issuer: string;
  subject: string;
}

/**
 * A sign-in with a verified external ID token (external-sign-in/). The handler found the
 * profile: the one holding the identity (`holder`), the one holding the token's verified email
 * (`verified-email`), or a free id (`create`); `decide` checks that the state still allows it.
 */
export type SignInExternalCommand = {
  type: 'SignInExternal';
  identity: ExternalIdentity;
  sessionId: string;
  deviceUuid: string | null;
  sessionExpiresAt: string;
  /** The workspace's requiredAgreements: each must be accepted (true) for a session to open. */
  requiredAgreements: string[];
} &
  /** `agreements`: accepted with this sign-in, recorded (changed ones only) once the session may open. */
  (
    | { match: 'holder'; agreements: Agreements }
    | { match: 'verified-email'; verifiedEmail: string; agreements: Agreements }
    | {
        match: 'create';
        verifiedEmail: string;
        profile: ProfileFields;
        agreements: Agreements;
        attributes: Attributes;
        mode: RegistrationMode;
      }
  );

export type ProfileCommandType = ProfileCommand['type'];
