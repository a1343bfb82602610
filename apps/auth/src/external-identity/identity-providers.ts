import { PROVIDER_PRESETS, type IdentityProviderSettings } from '@idstream/contracts';

/** A provider as verification uses it: every field known. */
export interface ResolvedProvider {
  name: string;
  issuer: string;
  clientIds: string[];
  /** Absent: found by OpenID Connect discovery from the issuer. */
  jwksUri: string | null;
}

/** The workspace's provider of that name, with a preset's issuer filled in; null when unknown. */
export function resolveProvider(providers: readonly IdentityProviderSettings[] | undefined, name: string): ResolvedProvider | null {
  const found = (providers ?? []).find((p) => p.name === name);
  if (!found) return null;
  const issuer = found.issuer ?? PROVIDER_PRESETS[found.name];
  if (!issuer) return null;
  return { name: found.name, issuer, clientIds: [...found.clientIds], jwksUri: found.jwksUri ?? null };
}
