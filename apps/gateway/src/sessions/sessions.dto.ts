import type { Agreements, Attributes } from '@idstream/contracts';
import { ProfileFieldsDto } from '../http/profile-fields.dto';
import { Bool, Email, Example, IsAttributes, IsBooleanRecord, IsDeviceUuid, Optional, Secret, Text } from '../http/validators';

export class CreateAnonymousDto {
  /** The workspace's public client API key, shipped in the app. */
  @Text(1, 256) @Example('ck_3f9a0c5e1b7d4a2e8c6f') apiKey!: string;
  /** The device uuid the SDK generated (v4 or v7); auth generates one when absent. */
  @Optional() @IsDeviceUuid() @Example('5b1f3c1e-8d6a-4f7e-9a2b-3c4d5e6f7a8b') uuid?: string;
}

export class SignInDto {
  @Email() @Example('ada@example.com') email!: string;
  /** Never checked against the policy here: a sign-in must work with whatever was set. */
  @Secret(1, 4096) @Example('Analytical-Engine-1843') password!: string;
  /** Agreements accepted now (recorded once the password is verified): how TERMS_ACCEPTANCE_REQUIRED is answered. */
  @Optional() @IsBooleanRecord() agreements?: Agreements;
}

/** POST /v1/auth/external: an ID token of one of the workspace's identity providers (API.md, External identity). */
export class SignInExternalDto extends ProfileFieldsDto {
  /** The workspace's name of the provider: `google`, `apple`, or a configured one. */
  @Text(1, 64) provider!: string;
  @Secret(1, 16_384) idToken!: string;
  /** The nonce the app put in its authorization request; the token must carry it. */
  @Optional() @Text(1, 512) nonce?: string;
  @Optional() @Bool() conditional?: boolean;
  @Optional() @IsBooleanRecord() agreements?: Agreements;
  @Optional() @IsAttributes() attributes?: Attributes;
}

export class SignOutDto {
  /** Close every session of the profile (reason `sign-out-all`), not only this one. */
  @Optional() @Bool() fromAllDevices?: boolean;
}
