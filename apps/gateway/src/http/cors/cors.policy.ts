/**
 * CORS for browser apps on their own origin (API.md: workspace setting `allowedOrigins`).
 * Pure: which workspace a request belongs to, and the headers an allowed origin gets.
 *
 * - A preflight carries no credential, so it is answered from the union of every workspace's
 *   origins; the actual request is then held to the list of its own workspace.
 * - Exact origins only, echoed back with `Vary: Origin`; never `*`, and never
 *   `Access-Control-Allow-Credentials`: the client API takes bearer tokens, not cookies.
 * - Backend and admin routes take secret keys that never belong in a browser: no CORS at all.
 */
export const ALLOWED_METHODS = ['GET', 'POST', 'PATCH', 'DELETE'] as const;
export const ALLOWED_HEADERS = ['authorization', 'content-type', 'x-request-id'] as const;
/** Response headers a page may read besides the CORS-safelisted ones. */
export const EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'x-idstream-position'] as const;
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/** Routes with secret keys (server key, admin key): never answered to a browser origin. */
export function isSecretKeyRoute(url: string): boolean {
  return /^\/v1\/(backend|admin)(\/|\?|$)/.test(url);
}

/** What the gateway knows about a request when it decides its CORS headers. */
export interface CorsRequest {
  /** The workspace of the verified token or server key, when the access guard ran. */
  verifiedWorkspaceId: string | null;
  authorization: string | undefined;
  body: unknown;
}

export type WorkspaceOfRequest = { kind: 'workspace'; workspaceId: string } | { kind: 'api-key'; apiKey: string } | { kind: 'none' };

/**
 * The workspace whose origins apply: the verified token's; else the `aud` of a bearer token
 * that was refused (so that the page can read why, e.g. TOKEN_REVOKED with its reason: a
 * forged `aud` earns nothing but the refusal); else the client API key in the body; else none.
 */
export function workspaceOfRequest(request: CorsRequest): WorkspaceOfRequest {
  if (request.verifiedWorkspaceId) return { kind: 'workspace', workspaceId: request.verifiedWorkspaceId };
  const audience = audienceOf(request.authorization);
  if (audience) return { kind: 'workspace', workspaceId: audience };
  const body = request.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const apiKey = (body as Record<string, unknown>).apiKey;
    if (typeof apiKey === 'string' && apiKey.length > 0 && apiKey.length <= 200) return { kind: 'api-key', apiKey };
  }
  return { kind: 'none' };
}

function audienceOf(authorization: string | undefined): string | null {
  const match =
    typeof authorization === 'string' ? /^Bearer +([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/i.exec(authorization.trim()) : null;
  if (!match || match[2]!.length > 8192) return null;
  try {
    const claims = JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof claims.aud === 'string' && claims.aud.length <= 128 ? claims.aud : null;
  } catch {
    return null;
  }
}

/** Headers of an answered preflight for an allowed origin. */
export function preflightHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': ALLOWED_METHODS.join(', '),
    'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
  };
}

/** Headers of an actual response for an allowed origin. */
export function responseHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS.join(', ') };
}

/** `Vary` with Origin added once (the answer depends on it, so caches must key on it). */
export function varyWithOrigin(current: unknown): string {
  const values = (Array.isArray(current) ? current.join(',') : typeof current === 'string' ? current : '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (!values.some((v) => v.toLowerCase() === 'origin' || v === '*')) values.push('Origin');
  return values.join(', ');
}
