import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { type OwnerProof, type ReplyError, type WorkspaceSettings } from '@idstream/contracts';
import { verifyPassword } from '../metrics/password-hashing';
import { CLOCK_TOLERANCE_SECONDS, verifyIdToken } from '../external-identity/id-token.verifier';
import { resolveProvider } from '../external-identity/identity-providers';
import { ProviderKeysCache } from '../external-identity/provider-keys';
import type { ProvenOwner } from './profile.commands';
import { ProfileErrors, replyErrorOf } from './profile.errors';
import { isAccount, type ProfileState } from './profile.state';

/** How old (by its `iat`) an ID token may be to stand in for the password: a re-authentication, not a session. */
export const EXTERNAL_PROOF_MAX_AGE_SECONDS = 300;

export type OwnerCheck = { ok: true; proof: ProvenOwner } | { ok: false; error: ReplyError };

/**
 * The owner proves it is them again before DELETE /v1/account or an email change: the password,
 * or (a profile with a linked identity) a fresh ID token of the linked provider, verified exactly
 * as at sign-in (signature, issuer, audience, times) whose (issuer, sub) is the linked identity
 * and whose `iat` is at most five minutes old, so a token captured from an earlier sign-in cannot
 * be replayed to erase the account. Every failure answers as a wrong password does (403
 * INVALID_CREDENTIALS): nobody learns whether a profile has a password or which provider it uses.
 * Only a provider that does not answer is told apart (503 PROVIDER_UNAVAILABLE, retry later).
 */
@Injectable()
export class OwnerProofChecker {
  constructor(private readonly keys: ProviderKeysCache) {}

  async check(proof: OwnerProof, state: ProfileState, settings: WorkspaceSettings, now: Date): Promise<OwnerCheck> {
    const wrong: OwnerCheck = { ok: false, error: replyErrorOf('CURRENT_PASSWORD_WRONG') };
    const verifiedHash = isAccount(state) ? state.passwordHash : null;
    if (proof.externalToken === undefined) {
      if (proof.password === undefined) return wrong;
      if (!(await verifyPassword(proof.password, verifiedHash)).valid) return wrong;
      return { ok: true, proof: { by: 'password', verifiedHash } };
    }
    if (proof.password !== undefined || !isAccount(state)) return wrong;
    // Which of the profile's identities the token claims to be for; its signature is checked below.
    let claimedIssuer: unknown;
    try {
      claimedIssuer = decodeJwt(proof.externalToken).iss;
    } catch {
      return wrong;
    }
    const identity = state.externalIdentities.find((i) => i.issuer === claimedIssuer);
    const provider = identity ? resolveProvider(settings.identityProviders, identity.provider) : null;
    // The workspace no longer configures that provider, or points the name at another issuer.
    if (!identity || !provider || provider.issuer !== identity.issuer) return wrong;
    const verified = await verifyIdToken(this.keys, provider, proof.externalToken, undefined);
    if (!verified.ok && verified.code === 'PROVIDER_UNAVAILABLE') return { ok: false, error: ProfileErrors.providerUnavailable() };
    if (!verified.ok || verified.claims.subject !== identity.subject) return wrong;
    const age = now.getTime() / 1000 - verified.claims.issuedAt;
    if (age > EXTERNAL_PROOF_MAX_AGE_SECONDS || age < -CLOCK_TOLERANCE_SECONDS) return wrong;
    return { ok: true, proof: { by: 'external', issuer: identity.issuer, subject: identity.subject } };
  }
}
