import { Type } from 'class-transformer';
import { IsObject, ValidateNested, registerDecorator, type ValidationArguments } from 'class-validator';
import {
  EMAIL_CONFUSABLES_POLICIES,
  MAX_ALLOWED_ORIGINS,
  TOKEN_ALGORITHM_NAMES,
  allowedOriginsProblem,
  identityProvidersProblem,
  type IdentityProviderSettings,
  type EmailConfusablesPolicy,
  type TokenAlgorithm,
  type PasswordPolicySettings,
  type RegistrationMode,
  type WorkspaceSettings,
} from '@idstream/contracts';
import { MAX_POLICY_MIN_LENGTH } from '@idstream/crypto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Bool, Example, Int, OneOf, Optional, Text } from '../http/validators';

/** `requiredAgreements`: agreement names (as in a registration's `agreements`), at most 50. */
const AgreementNames = (): PropertyDecorator => (target: object, propertyName: string | symbol) =>
  registerDecorator({
    name: 'isAgreementNames',
    target: target.constructor,
    propertyName: String(propertyName),
    options: { message: (args: ValidationArguments) => `${args.property} must be at most 50 names of letters, digits, _ or - (up to 64)` },
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) && value.length <= 50 && value.every((n) => typeof n === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(n)),
    },
  });

const REGISTRATION_MODES: RegistrationMode[] = ['automatic', 'email-confirmation', 'email-activation', 'email-pin-activation'];

/** Any of the policy's rules: auth merges them into the workspace's current (or default) policy. */
export class PasswordPolicyDto implements Partial<PasswordPolicySettings> {
  @Optional() @Int(1, MAX_POLICY_MIN_LENGTH) @Example(8) minLength?: number;
  @Optional() @Bool() requireUppercase?: boolean;
  @Optional() @Bool() requireLowercase?: boolean;
  @Optional() @Bool() requireDigit?: boolean;
  @Optional() @Bool() requireSymbol?: boolean;
}

/** `allowedOrigins`: exact browser origins (contracts' allowedOriginsProblem names what is wrong). */
const OriginList = (): PropertyDecorator => (target: object, propertyName: string | symbol) => {
  registerDecorator({
    name: 'isOriginList',
    target: target.constructor,
    propertyName: String(propertyName),
    options: { message: (args: ValidationArguments) => `${args.property} ${allowedOriginsProblem(args.value) ?? 'is invalid'}` },
    validator: { validate: (value: unknown) => allowedOriginsProblem(value) === null },
  });
  // Its schema for the OpenAPI document, as validators.ts does for every rule.
  ApiProperty({
    type: [String],
    maxItems: MAX_ALLOWED_ORIGINS,
    description: 'Exact origins (scheme, lower-case host, port; no wildcard, no path)',
    example: ['https://shop.example.com'],
  })(target, propertyName);
};

/** `identityProviders`: OpenID Connect providers (contracts' identityProvidersProblem names what is wrong). */
const ProviderList = (): PropertyDecorator => (target: object, propertyName: string | symbol) =>
  registerDecorator({
    name: 'isIdentityProviderList',
    target: target.constructor,
    propertyName: String(propertyName),
    options: { message: (args: ValidationArguments) => `${args.property} ${identityProvidersProblem(args.value) ?? 'is invalid'}` },
    validator: { validate: (value: unknown) => identityProvidersProblem(value) === null },
  });

/**
 * Workspace settings, all optional (auth applies its defaults on create). The access-token TTL
 * may not exceed MAX_ACCESS_TOKEN_TTL_SECONDS: the revocation views read back that far only,
 * and the controller checks it against the configured value.
 */
export class WorkspaceSettingsDto implements Partial<Omit<WorkspaceSettings, 'passwordPolicy'>> {
  @Optional() @Text(1, 200) @Example('Acme shop') name?: string;
  @Optional() @OneOf(REGISTRATION_MODES) @Example('email-confirmation') registrationMode?: RegistrationMode;
  @Optional() @Int(60, 7 * 86_400) @Example(900) accessTokenTtlSeconds?: number;
  @Optional() @Int(60, 10 * 365 * 86_400) @Example(2_592_000) sessionMaxLifetimeSeconds?: number;
  @Optional()
  @ValidateNested()
  @IsObject()
  @Type(() => PasswordPolicyDto)
  @ApiPropertyOptional({ type: () => PasswordPolicyDto })
  passwordPolicy?: PasswordPolicyDto;
  /** Confusable emails at registration: `refuse` (400 EMAIL_CONFUSABLE, the default) or `flag` (UserRegistered.emailConfusable). */
  @Optional() @OneOf(EMAIL_CONFUSABLES_POLICIES) emailConfusables?: EmailConfusablesPolicy;
  /** Exact browser origins allowed by CORS for this workspace (API.md); [] allows none. */
  @Optional() @OriginList() allowedOrigins?: string[];
  /** `[{ name, issuer?, clientIds, jwksUri? }]`; `google` and `apple` need only clientIds (API.md, External identity). */
  @Optional() @ProviderList() identityProviders?: IdentityProviderSettings[];
  /** Agreements a profile must have accepted to sign in (else TERMS_ACCEPTANCE_REQUIRED); [] requires none. */
  @Optional() @AgreementNames() requiredAgreements?: string[];
  /** The JWS algorithm of the workspace's access tokens: `EdDSA` (default), `ES256` or `RS256` (README, docs/architecture.md §7). */
  @Optional() @OneOf(TOKEN_ALGORITHM_NAMES) tokenAlgorithm?: TokenAlgorithm;
}
