import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  TRACKING_REJECT_CODES,
  type AccountView,
  type Agreements,
  type OwnEventItem,
  type OwnEventsPage,
  type Attributes,
  type CreateAnonymousResult,
  type IssuedToken,
  type RegisterResult,
  type SignInResult,
  type TrackingRejectCode,
} from '@idstream/contracts';
import type { PublicJwk } from '@idstream/crypto';

/*
 * The success bodies of the client API for the OpenAPI document. Each class implements the
 * contract type the controller returns, so the compiler refuses a schema that lacks a field.
 */
const TOKEN = 'eyJhbGciOiJFZERTQSIsImtpZCI6IjRmV...';
const EXPIRES_AT = '2026-12-01T10:15:00.000Z';
const PROFILE_ID = '0193a5c2-7e1f-7b3c-9d2e-5f6a7b8c9d0e';
const DEVICE_UUID = '5b1f3c1e-8d6a-4f7e-9a2b-3c4d5e6f7a8b';

export class TokenResponse implements IssuedToken {
  @ApiProperty({ description: 'The access token (EdDSA JWT)', example: TOKEN }) token!: string;
  @ApiProperty({ format: 'date-time', example: EXPIRES_AT }) expiresAt!: string;
}

export class AnonymousTokenResponse extends TokenResponse implements CreateAnonymousResult {
  @ApiProperty({ format: 'uuid', description: 'The device uuid (generated when the request had none)', example: DEVICE_UUID })
  uuid!: string;
  @ApiProperty({ example: 'default' }) workspaceId!: string;
}

export class SignInResponse extends TokenResponse implements SignInResult {
  @ApiProperty({ example: PROFILE_ID }) profileId!: string;
}

export class RegisterResponse implements Omit<RegisterResult, 'position'> {
  @ApiProperty({ example: PROFILE_ID }) profileId!: string;
  @ApiProperty({ enum: ['active', 'pending-activation'], example: 'active' }) status!: RegisterResult['status'];
  @ApiProperty({ enum: [false], example: false }) emailConfirmed!: false;
}

const nullableText = (example: string) => ApiProperty({ type: 'string', nullable: true, example });

export class AccountResponse implements AccountView {
  @ApiProperty({ example: PROFILE_ID }) profileId!: string;
  @ApiProperty({ format: 'email', example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: true }) emailConfirmed!: boolean;
  @ApiProperty({ enum: ['active', 'pending-activation'], example: 'active' }) status!: AccountView['status'];
  @nullableText('Ada') firstName!: string | null;
  @nullableText('Lovelace') lastName!: string | null;
  @nullableText('Ada L.') displayName!: string | null;
  @nullableText('+44 20 7946 0000') phone!: string | null;
  @nullableText('crm-1815') customId!: string | null;
  @nullableText('female') sex!: string | null;
  @ApiProperty({ type: 'string', format: 'date', nullable: true, example: '1815-12-10' }) birthDate!: string | null;
  @nullableText('Analytical Engines Ltd') company!: string | null;
  @nullableText('12 St James Square') address!: string | null;
  @nullableText('London') city!: string | null;
  @nullableText('Greater London') province!: string | null;
  @nullableText('SW1Y 4JH') zipCode!: string | null;
  @nullableText('GB') countryCode!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'boolean' }, example: { email: true, sms: false } }) agreements!: Agreements;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { plan: 'gold' } }) attributes!: Attributes;
  @ApiProperty({ format: 'date-time', example: '2026-11-30T09:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-01T10:00:00.000Z' }) updatedAt!: string;
}

export class TrackingRejection {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'The index of the event in the request', example: 1 }) index!: number;
  @ApiProperty({ enum: TRACKING_REJECT_CODES, example: 'EVENT_TYPE_INVALID' }) code!: TrackingRejectCode;
}

export class TrackingAcceptedResponse {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Events handed to the ingester (which checks them again)', example: 1 })
  accepted!: number;
  @ApiProperty({ type: [TrackingRejection], description: 'The events refused at intake, each alone' }) rejected!: TrackingRejection[];
}

/** A public signing key of the JWKS: Ed25519 (OKP), P-256 (EC) or RSA, each with its `alg` and `use`. */
export class PublicJwkSchema {
  @ApiProperty({ enum: ['OKP', 'EC', 'RSA'], example: 'OKP' }) kty!: PublicJwk['kty'];
  @ApiPropertyOptional({ enum: ['Ed25519', 'P-256'], description: 'OKP and EC keys', example: 'Ed25519' }) crv?: string;
  @ApiPropertyOptional({ description: 'OKP and EC keys', example: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }) x?: string;
  @ApiPropertyOptional({ description: 'EC keys' }) y?: string;
  @ApiPropertyOptional({ description: 'RSA keys: the modulus' }) n?: string;
  @ApiPropertyOptional({ description: 'RSA keys: the exponent', example: 'AQAB' }) e?: string;
  @ApiProperty({ description: 'RFC 7638 thumbprint', example: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' }) kid!: string;
  @ApiProperty({ enum: ['EdDSA', 'ES256', 'RS256'], example: 'EdDSA' }) alg!: PublicJwk['alg'];
  @ApiProperty({ enum: ['sig'] }) use!: 'sig';
}

export class JwksResponse {
  @ApiProperty({ type: [PublicJwkSchema] }) keys!: PublicJwk[];
}

/** One of a customer's own accepted tracking events (`GET /v1/account/events`). */
export class OwnEventItemResponse implements OwnEventItem {
  @ApiProperty({ format: 'uuid', description: "The client's event id", example: '0193a5c2-7e1f-7b3c-9d2e-5f6a7b8c9d0f' }) id!: string;
  @ApiProperty({ example: 'page.viewed' }) type!: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-01T09:59:58.000Z' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-01T10:00:00.000Z' }) receivedAt!: string;
  @ApiProperty({ required: false, example: 'Home' }) label?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: {}, example: { path: '/' } }) params?: Record<string, unknown>;
  @ApiProperty({ format: 'uuid', description: 'The device that sent it', example: '5b1f3c1e-8d6a-4f7e-9a2b-3c4d5e6f7a8b' }) uuid!: string;
}

export class OwnEventsPageResponse implements OwnEventsPage {
  @ApiProperty({ type: [OwnEventItemResponse], description: 'Newest first' }) items!: OwnEventItemResponse[];
  @ApiProperty({
    required: false,
    description: 'Present when older items may follow: pass it back as `cursor`',
    example: 'MTc2NDU4MzIwMDAwMA',
  })
  nextCursor?: string;
}

/** `POST /v1/auth/external`: a session as a password sign-in gives, or (conditional) a status without a token. */
export class ExternalSignInResponse {
  @ApiPropertyOptional({
    enum: ['SUCCESS', 'REGISTRATION_REQUIRED', 'TERMS_ACCEPTANCE_REQUIRED'],
    description: 'Only with `conditional: true`',
    example: 'SUCCESS',
  })
  status?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'Only with `conditional: true`: what is missing (the agreement names to accept)',
    example: [],
  })
  conditions?: string[];
  @ApiPropertyOptional({ description: 'The access token (only with SUCCESS)', example: TOKEN }) token?: string;
  @ApiPropertyOptional({ format: 'date-time', example: EXPIRES_AT }) expiresAt?: string;
  @ApiPropertyOptional({ example: PROFILE_ID }) profileId?: string;
  @ApiPropertyOptional({ description: 'Whether this sign-in created the account', example: false }) created?: boolean;
}

/** `POST /v1/auth/sign-in/conditional`: a status; only SUCCESS carries a token. */
export class ConditionalSignInResponse {
  @ApiProperty({ enum: ['SUCCESS', 'UNAUTHORIZED', 'ACTIVATION_REQUIRED', 'TERMS_ACCEPTANCE_REQUIRED'], example: 'SUCCESS' })
  status!: string;
  @ApiProperty({ type: [String], description: 'What is missing, e.g. the agreement names to accept', example: [] }) conditions!: string[];
  @ApiPropertyOptional({ description: 'Only with SUCCESS', example: TOKEN }) token?: string;
  @ApiPropertyOptional({ format: 'date-time', example: EXPIRES_AT }) expiresAt?: string;
  @ApiPropertyOptional({ example: PROFILE_ID }) profileId?: string;
}
