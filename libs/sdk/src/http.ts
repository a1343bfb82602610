import { IdstreamError, type Problem } from './errors';
import type { FetchLike, ResponseLike } from './platform';

export interface HttpAnswer<T> {
  status: number;
  body: T;
  headers: ResponseLike['headers'];
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  token?: string | null;
  body?: unknown;
  query?: Record<string, string | undefined>;
}

/** Codes of a 401 that mean "this token's session is over", as opposed to e.g. wrong credentials. */
const SESSION_CODES = new Set(['TOKEN_REVOKED', 'TOKEN_EXPIRED', 'UNAUTHORIZED']);

/**
 * One request to the gateway: JSON in and out, a problem body turned into an IdstreamError.
 * A 401 with a session code on a request that carried a token is `unauthorized-session`.
 */
export class HttpTransport {
  constructor(
    private readonly baseUrl: string,
    private readonly fetch: FetchLike,
  ) {}

  async send<T>(request: HttpRequest): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    let response: ResponseLike;
    let text: string;
    try {
      response = await this.fetch(this.url(request), { method: request.method, headers, body });
      text = await response.text();
    } catch (cause) {
      throw new IdstreamError('network', `${request.method} ${request.path}: ${(cause as Error)?.message ?? 'network error'}`, { cause });
    }
    const parsed = parseJson(text);
    if (response.status >= 200 && response.status < 300) return { status: response.status, body: parsed as T, headers: response.headers };
    const problem: Problem = typeof parsed === 'object' && parsed !== null ? (parsed as Problem) : { detail: text.slice(0, 500) };
    const code = typeof problem.code === 'string' ? problem.code : undefined;
    const kind =
      response.status === 401 && request.token && code !== undefined && SESSION_CODES.has(code) ? 'unauthorized-session' : 'http';
    const message = `${request.method} ${request.path}: ${response.status}${code ? ` ${code}` : ''}${problem.detail ? `: ${problem.detail}` : ''}`;
    throw new IdstreamError(kind, message, { status: response.status, code, problem, retryAfter: response.headers.get('retry-after') });
  }

  private url(request: HttpRequest): string {
    const query = Object.entries(request.query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);
    const search = query.length > 0 ? `?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '';
    return `${this.baseUrl}${request.path}${search}`;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
