/** How many browser origins one workspace may list (API.md: workspace setting `allowedOrigins`). */
export const MAX_ALLOWED_ORIGINS = 100;

/**
 * An exact browser origin as a browser sends it in `Origin`: `http` or `https`, a host in
 * lower case, a port only when it is not the scheme's default, and nothing after it. No
 * wildcard and no `null`: CORS is answered to named origins only.
 */
export function isExactOrigin(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 300 || !/^https?:\/\//.test(value)) return false;
  try {
    const url = new URL(value);
    // URL accepts a `*` in a host; a browser never sends one.
    return url.origin === value && /^([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname);
  } catch {
    return false;
  }
}

/** The problem with a list of origins, or null when every entry is an exact origin. */
export function allowedOriginsProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'must be an array of origins';
  if (value.length > MAX_ALLOWED_ORIGINS) return `may list at most ${MAX_ALLOWED_ORIGINS} origins`;
  const bad = (value as unknown[]).find((origin) => !isExactOrigin(origin));
  if (bad !== undefined) {
    return `must list exact origins such as https://app.example.com (scheme, lower-case host, optional port; no path, no wildcard): ${JSON.stringify(bad).slice(0, 100)} is not one`;
  }
  return null;
}
