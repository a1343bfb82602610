import type { IdentityProviderSettings } from './auth.rpc';

/** Issuers whose name alone configures them; the workspace adds its client ids. */
export const PROVIDER_PRESETS: Readonly<Record<string, string>> = {
  google: 'https://accounts.google.com',
  apple: 'https://appleid.apple.com',
};

const isHttpUrl = (value: unknown): boolean => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/** What is wrong with a workspace's `identityProviders`, or null. Pure. */
export function identityProvidersProblem(value: unknown): string | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.length > 20) return 'must be an array of at most 20 providers';
  const names = new Set<string>();
  for (const p of value as Partial<IdentityProviderSettings>[]) {
    if (typeof p !== 'object' || p === null) return 'each provider must be an object';
    if (typeof p.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(p.name))
      return 'name must be 1-64 lowercase letters, digits, - or _';
    if (names.has(p.name)) return `provider ${p.name} appears twice`;
    names.add(p.name);
    if (p.issuer === undefined && !PROVIDER_PRESETS[p.name])
      return `provider ${p.name} needs an issuer (only google and apple are presets)`;
    if (p.issuer !== undefined && !isHttpUrl(p.issuer)) return `issuer of ${p.name} must be an http(s) URL`;
    if (p.jwksUri !== undefined && !isHttpUrl(p.jwksUri)) return `jwksUri of ${p.name} must be an http(s) URL`;
    const ids = p.clientIds;
    if (
      !Array.isArray(ids) ||
      ids.length < 1 ||
      ids.length > 20 ||
      !ids.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 256)
    )
      return `clientIds of ${p.name} must be 1 to 20 non-empty strings`;
  }
  return null;
}
