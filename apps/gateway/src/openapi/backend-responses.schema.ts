import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Agreements, Attributes, CreateWorkspaceResult, PasswordPolicySettings, WorkspaceSettings } from '@idstream/contracts';

/* Success bodies of the backend and admin APIs for the OpenAPI document (see client-responses.schema.ts). */
const PROFILE_ID = '0193a5c2-7e1f-7b3c-9d2e-5f6a7b8c9d0e';

export class ProfileIdResponse {
  @ApiProperty({ example: PROFILE_ID }) profileId!: string;
}

export class RecognizeResponse extends ProfileIdResponse {
  @ApiProperty({ format: 'uuid', example: '5b1f3c1e-8d6a-4f7e-9a2b-3c4d5e6f7a8b' }) uuid!: string;
}

const nullable = (example: string | null, format?: string) => ApiProperty({ type: 'string', format, nullable: true, example });

/** The profile read model of the projector (profile.view.ts there): null for absent fields; an erased profile is a tombstone. */
export class ProfileResponse {
  @ApiProperty({ example: PROFILE_ID }) profileId!: string;
  @ApiProperty({ enum: ['anonymous', 'customer'], example: 'customer' }) kind!: string;
  @ApiProperty({ enum: ['anonymous', 'merged', 'imported', 'active', 'pending-activation', 'erased'], example: 'active' }) status!: string;
  @nullable('ada@example.com', 'email') email!: string | null;
  @ApiProperty({ example: true }) emailConfirmed!: boolean;
  @nullable('Ada') firstName!: string | null;
  @nullable('Lovelace') lastName!: string | null;
  @nullable(null) displayName!: string | null;
  @nullable(null) phone!: string | null;
  @nullable('crm-1815') customId!: string | null;
  @nullable(null) sex!: string | null;
  @nullable(null, 'date') birthDate!: string | null;
  @nullable(null) company!: string | null;
  @nullable(null) address!: string | null;
  @nullable('London') city!: string | null;
  @nullable(null) province!: string | null;
  @nullable(null) zipCode!: string | null;
  @nullable('GB') countryCode!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'boolean' }, nullable: true, example: { email: true } })
  agreements!: Agreements | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: { plan: 'gold' } }) attributes!: Attributes | null;
  @ApiProperty({
    type: [String],
    description: 'Devices that resolve to this profile now',
    example: ['5b1f3c1e-8d6a-4f7e-9a2b-3c4d5e6f7a8b'],
  })
  uuids!: string[];
  @ApiProperty({ type: [String], description: 'Anonymous profiles folded into this one', example: [] }) mergedProfileIds!: string[];
  @nullable(null) mergedInto!: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-30T09:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-01T10:00:00.000Z' }) updatedAt!: string;
  @nullable('2026-12-01T10:00:00.000Z', 'date-time') lastSignInAt!: string | null;
  @nullable(null, 'date-time') erasedAt!: string | null;
}

export class ProfileListResponse {
  @ApiProperty({ type: [ProfileResponse] }) items!: ProfileResponse[];
}

export class PasswordPolicyResponse implements PasswordPolicySettings {
  @ApiProperty({ type: 'integer', example: 8 }) minLength!: number;
  @ApiProperty({ example: true }) requireUppercase!: boolean;
  @ApiProperty({ example: true }) requireLowercase!: boolean;
  @ApiProperty({ example: true }) requireDigit!: boolean;
  @ApiProperty({ example: false }) requireSymbol!: boolean;
}

export class WorkspaceSettingsResponse implements WorkspaceSettings {
  @ApiProperty({ example: 'Acme shop' }) name!: string;
  @ApiProperty({ enum: ['automatic', 'email-confirmation', 'email-activation', 'email-pin-activation'], example: 'email-confirmation' })
  registrationMode!: WorkspaceSettings['registrationMode'];
  @ApiProperty({ type: 'integer', example: 900 }) accessTokenTtlSeconds!: number;
  @ApiProperty({ type: 'integer', example: 2_592_000 }) sessionMaxLifetimeSeconds!: number;
  @ApiProperty({ type: PasswordPolicyResponse }) passwordPolicy!: PasswordPolicySettings;
  @ApiProperty({ enum: ['refuse', 'flag'], example: 'refuse' }) emailConfusables!: WorkspaceSettings['emailConfusables'];
  @ApiProperty({ type: [String], description: 'Exact browser origins allowed by CORS', example: ['https://shop.example.com'] })
  allowedOrigins!: string[];
  @ApiProperty({ type: [String], description: 'Agreements a profile must have accepted to sign in', example: ['terms'] })
  requiredAgreements!: string[];
  @ApiPropertyOptional({
    type: 'array',
    description: 'OpenID Connect providers whose ID tokens sign in (`google` and `apple` need only clientIds)',
    items: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        issuer: { type: 'string' },
        clientIds: { type: 'array', items: { type: 'string' } },
        jwksUri: { type: 'string' },
      },
    },
    example: [{ name: 'google', clientIds: ['1234.apps.googleusercontent.com'] }],
  })
  identityProviders?: WorkspaceSettings['identityProviders'];
  @ApiProperty({ enum: ['EdDSA', 'ES256', 'RS256'], description: 'The JWS algorithm of the access tokens', example: 'EdDSA' })
  tokenAlgorithm!: WorkspaceSettings['tokenAlgorithm'];
}

export class CreateWorkspaceResponse implements CreateWorkspaceResult {
  @ApiProperty({ example: '0193a5c2-0000-7000-8000-000000000001' }) workspaceId!: string;
  @ApiProperty({ description: 'The public client API key, shipped in apps', example: 'ck_3f9a0c5e1b7d4a2e8c6f' }) clientApiKey!: string;
  @ApiProperty({
    description: 'The secret server key: shown this once (auth keeps only its hash)',
    example: 'sk_9c2e7a1f4b8d0e3a6c5f7b2d9e1a4c8f',
  })
  serverKey!: string;
  @ApiProperty({ type: WorkspaceSettingsResponse }) settings!: WorkspaceSettings;
}

/** RFC 7662's answer: `active: false` alone for a forged, expired, revoked or other workspace's token. */
export class IntrospectionResponse {
  @ApiProperty({ example: true }) active!: boolean;
  @ApiProperty({ required: false, description: 'Profile id (customer) or device uuid (anonymous)', example: PROFILE_ID }) sub?: string;
  @ApiProperty({ required: false, description: 'Session id', example: '0193a5c2-7e1f-7b3c-9d2e-5f6a7b8c9d10' }) sid?: string;
  @ApiProperty({ required: false, enum: ['anonymous', 'customer'], example: 'customer' }) role?: string;
  @ApiProperty({ required: false, format: 'uuid', example: '5b1f3c1e-8d6a-4f7e-9a2b-3c4d5e6f7a8b' }) uuid?: string;
  @ApiProperty({ required: false, example: 'account:read account:write events:track' }) scope?: string;
  @ApiProperty({ required: false, description: 'Workspace id', example: 'default' }) aud?: string;
  @ApiProperty({ required: false, example: 'idstream' }) iss?: string;
  @ApiProperty({ required: false, type: 'integer', example: 1764586800 }) exp?: number;
  @ApiProperty({ required: false, type: 'integer', example: 1764583200 }) iat?: number;
}
