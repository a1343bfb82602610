import type { Agreements } from '@idstream/contracts';
import { Bool, Email, IsBooleanRecord, IsDeviceUuid, Optional, Secret, Text } from '../http/validators';

export class CreateAnonymousDto {
  /** The workspace's public client API key, shipped in the app. */
  @Text(1, 256) apiKey!: string;
  /** The device uuid the SDK generated (v4 or v7); auth generates one when absent. */
  @Optional() @IsDeviceUuid() uuid?: string;
}

export class SignInDto {
  @Email() email!: string;
  /** Never checked against the policy here: a sign-in must work with whatever was set. */
  @Secret(1, 4096) password!: string;
  /** Agreements accepted now (recorded once the password is verified): how TERMS_ACCEPTANCE_REQUIRED is answered. */
  @Optional() @IsBooleanRecord() agreements?: Agreements;
}

export class SignOutDto {
  /** Close every session of the profile (reason `sign-out-all`), not only this one. */
  @Optional() @Bool() fromAllDevices?: boolean;
}
