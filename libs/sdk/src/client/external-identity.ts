import { invalidArgument } from '../errors';
import { optionalBoolean, requireObject, requireString } from './arguments';
import type { ClientConditionalAuthStatus } from './client.types';

/** A workspace's provider name, as the server accepts it in `identityProviders`. */
const PROVIDER_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const CONTEXT_FIELDS = new Set(['agreements', 'attributes', 'nonce']);
/** The longest ID token the gateway takes. */
const ID_TOKEN_MAX = 16_384;

/** What `POST /v1/auth/external` answers (API.md, External identity). */
export interface ExternalSignInAnswer {
  token?: string;
  expiresAt?: string;
  profileId?: string;
  created?: boolean;
  /** Only with `conditional: true`. */
  status?: ClientConditionalAuthStatus;
  conditions?: unknown[];
}

export function requireProvider(field: string, value: unknown): string {
  const name = requireString(field, value, 64);
  if (!PROVIDER_NAME.test(name))
    throw invalidArgument(field, "must be the workspace's provider name, e.g. google, apple or a configured one");
  return name;
}

/** An ID token: a non-empty string no longer than the gateway takes (its claims are the server's to check). */
export function requireIdToken(field: string, value: unknown): string {
  return requireString(field, value, ID_TOKEN_MAX);
}

/**
 * The body of `POST /v1/auth/external` from authenticate's arguments, checked before any
 * request: the ID token, the provider's name, and the context's agreements, attributes and nonce.
 */
export function externalSignInBody(idToken: unknown, provider: unknown, context: unknown, conditional: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    provider: requireProvider('provider', provider),
    idToken: requireIdToken('idToken', idToken),
  };
  const given = requireObject('context', context);
  for (const key of Object.keys(given)) {
    if (!CONTEXT_FIELDS.has(key)) throw invalidArgument(`context.${key}`, 'is not a field of the context (agreements, attributes, nonce)');
  }
  if (given.nonce !== undefined) body.nonce = requireString('context.nonce', given.nonce, 512);
  if (given.agreements !== undefined) {
    const agreements = requireObject('context.agreements', given.agreements);
    for (const [name, value] of Object.entries(agreements)) optionalBoolean(`context.agreements.${name}`, value);
    body.agreements = agreements;
  }
  if (given.attributes !== undefined) body.attributes = requireObject('context.attributes', given.attributes);
  if (conditional) body.conditional = true;
  return body;
}

/** The session an answer opened, or null (a conditional answer other than SUCCESS carries none). */
export function sessionOf(answer: ExternalSignInAnswer): { token: string; expiresAt: string; profileId: string } | null {
  const { token, expiresAt, profileId } = answer ?? {};
  return typeof token === 'string' && typeof expiresAt === 'string' && typeof profileId === 'string'
    ? { token, expiresAt, profileId }
    : null;
}

/**
 * How the owner proves it is them again before an erasure or an email change (API.md): the
 * password, or a fresh ID token of the provider linked to the profile (`externalToken`).
 * Exactly one of the two, as Synerise's SDK requires.
 */
export function ownerProof(
  fields: { password: string; externalToken: string },
  password: unknown,
  externalToken: unknown,
): { password: string } | { externalToken: string } {
  const hasPassword = password !== undefined && password !== null;
  const hasToken = externalToken !== undefined && externalToken !== null;
  if (hasPassword && hasToken) throw invalidArgument(fields.externalToken, `can't be given with ${fields.password}: give one of the two`);
  if (!hasPassword && !hasToken) throw invalidArgument(fields.password, `or ${fields.externalToken} must be given`);
  return hasPassword
    ? { password: requireString(fields.password, password) }
    : { externalToken: requireIdToken(fields.externalToken, externalToken) };
}
