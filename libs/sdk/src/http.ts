import { IdstreamError, type Problem } from './errors';
import type { FetchLike, ResponseLike, Timers } from './platform';

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
    private readonly timers: Timers,
    /** A request without an answer by then fails as `network` (never a hang); 0 waits forever. */
    private readonly timeoutMs: number,
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
      ({ response, text } = await this.withTimeout(async () => {
        const answer = await this.fetch(this.url(request), { method: request.method, headers, body });
        return { response: answer, text: await answer.text() };
      }));
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

  /**
   * The request is not aborted (no AbortController everywhere), only no longer awaited: a late
   * answer is ignored, and a retried event batch keeps its ids, so the server counts it once.
   */
  private withTimeout<T>(work: () => Promise<T>): Promise<T> {
    if (this.timeoutMs <= 0) return work();
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      work().then(
        (value) => {
          this.timers.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.timers.clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
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
