import { Type } from 'class-transformer';
import { IsObject, ValidateNested, registerDecorator, type ValidationArguments } from 'class-validator';
import {
  EMAIL_CONFUSABLES_POLICIES,
  TOKEN_ALGORITHM_NAMES,
  allowedOriginsProblem,
  type EmailConfusablesPolicy,
  type TokenAlgorithm,
  type PasswordPolicySettings,
  type RegistrationMode,
  type WorkspaceSettings,
} from '@idstream/contracts';
import { MAX_POLICY_MIN_LENGTH } from '@idstream/crypto';
import { Bool, Int, OneOf, Optional, Text } from '../http/validators';

const REGISTRATION_MODES: RegistrationMode[] = ['automatic', 'email-confirmation', 'email-activation'];

/** Any of the policy's rules: auth merges them into the workspace's current (or default) policy. */
export class PasswordPolicyDto implements Partial<PasswordPolicySettings> {
  @Optional() @Int(1, MAX_POLICY_MIN_LENGTH) minLength?: number;
  @Optional() @Bool() requireUppercase?: boolean;
  @Optional() @Bool() requireLowercase?: boolean;
  @Optional() @Bool() requireDigit?: boolean;
  @Optional() @Bool() requireSymbol?: boolean;
}

/** `allowedOrigins`: exact browser origins (contracts' allowedOriginsProblem names what is wrong). */
const OriginList = (): PropertyDecorator => (target: object, propertyName: string | symbol) =>
  registerDecorator({
    name: 'isOriginList',
    target: target.constructor,
    propertyName: String(propertyName),
    options: { message: (args: ValidationArguments) => `${args.property} ${allowedOriginsProblem(args.value) ?? 'is invalid'}` },
    validator: { validate: (value: unknown) => allowedOriginsProblem(value) === null },
  });

/**
 * Workspace settings, all optional (auth applies its defaults on create). The access-token TTL
 * may not exceed MAX_ACCESS_TOKEN_TTL_SECONDS: the revocation views read back that far only,
 * and the controller checks it against the configured value.
 */
export class WorkspaceSettingsDto implements Partial<Omit<WorkspaceSettings, 'passwordPolicy'>> {
  @Optional() @Text(1, 200) name?: string;
  @Optional() @OneOf(REGISTRATION_MODES) registrationMode?: RegistrationMode;
  @Optional() @Int(60, 7 * 86_400) accessTokenTtlSeconds?: number;
  @Optional() @Int(60, 10 * 365 * 86_400) sessionMaxLifetimeSeconds?: number;
  @Optional() @ValidateNested() @IsObject() @Type(() => PasswordPolicyDto) passwordPolicy?: PasswordPolicyDto;
  /** Confusable emails at registration: `refuse` (400 EMAIL_CONFUSABLE, the default) or `flag` (UserRegistered.emailConfusable). */
  @Optional() @OneOf(EMAIL_CONFUSABLES_POLICIES) emailConfusables?: EmailConfusablesPolicy;
  /** Exact browser origins allowed by CORS for this workspace (API.md); [] allows none. */
  @Optional() @OriginList() allowedOrigins?: string[];
  /** The JWS algorithm of the workspace's access tokens: `EdDSA` (default), `ES256` or `RS256` (README, docs/architecture.md §7). */
  @Optional() @OneOf(TOKEN_ALGORITHM_NAMES) tokenAlgorithm?: TokenAlgorithm;
}
