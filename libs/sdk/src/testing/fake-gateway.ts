/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- a test double reading loose JSON bodies, as the specs do */
import type { FetchLike, RequestInitLike, ResponseLike, Timers } from '../platform';

/** A request the fake gateway received. */
export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  token: string | null;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type Responder = (
  request: Received,
) => { status: number; body?: unknown; headers?: Record<string, string> } | 'network-error' | 'hang';

const b64url = (text: string): string => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A token shaped like the gateway's (only the claims the SDK reads are real). */
export const fakeJwt = (claims: Record<string, unknown>): string =>
  `${b64url(JSON.stringify({ alg: 'EdDSA' }))}.${b64url(JSON.stringify(claims))}.sig`;

/**
 * The gateway as the SDK's unit tests see it, behind an injected fetch: default answers for
 * every client route, overridable per route, and a log of every request.
 */
export class FakeGateway {
  readonly received: Received[] = [];
  private readonly overrides = new Map<string, Responder>();
  private sessions = 0;

  constructor(readonly clock: { now: number }) {}

  readonly fetch: FetchLike = async (url: string, init: RequestInitLike): Promise<ResponseLike> => {
    const parsed = new URL(url);
    const auth = init.headers.authorization;
    const request: Received = {
      method: init.method,
      path: parsed.pathname,
      query: parsed.searchParams,
      token: auth ? auth.replace(/^Bearer /, '') : null,
      body: init.body === undefined ? undefined : JSON.parse(init.body),
    };
    this.received.push(request);
    await Promise.resolve();
    const responder: Responder = this.overrides.get(`${init.method} ${parsed.pathname}`) ?? ((r) => this.defaultAnswer(r));
    const answer = responder(request);
    if (answer === 'network-error') throw new TypeError('fetch failed');
    if (answer === 'hang') return new Promise<never>(() => undefined);
    const headers = new Map<string, string>(Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return {
      status: answer.status,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      text: () => Promise.resolve(answer.body === undefined ? '' : JSON.stringify(answer.body)),
    };
  };

  on(route: string, responder: Responder): this {
    this.overrides.set(route, responder);
    return this;
  }

  requests(route: string): Received[] {
    return this.received.filter((r) => `${r.method} ${r.path}` === route);
  }

  /** A token that expires `ttlSeconds` after the fake clock's now. */
  token(role: 'anonymous' | 'customer', sid: string, ttlSeconds = 3600): { token: string; expiresAt: string } {
    const exp = this.clock.now + ttlSeconds * 1000;
    return { token: fakeJwt({ role, sid, exp: Math.floor(exp / 1000), n: this.received.length }), expiresAt: new Date(exp).toISOString() };
  }

  private defaultAnswer(r: Received): { status: number; body?: unknown } {
    switch (`${r.method} ${r.path}`) {
      case 'POST /v1/auth/anonymous':
        return { status: 200, body: { ...this.token('anonymous', `anon-${r.body.uuid}`), uuid: r.body.uuid } };
      case 'POST /v1/auth/sign-in':
        return { status: 200, body: { ...this.token('customer', `s${++this.sessions}`), profileId: 'p1' } };
      case 'POST /v1/auth/sign-in/conditional':
        return {
          status: 200,
          body: { status: 'SUCCESS', conditions: [], ...this.token('customer', `s${++this.sessions}`), profileId: 'p1' },
        };
      case 'POST /v1/auth/external': {
        const session = { ...this.token('customer', `s${++this.sessions}`), profileId: 'p1', created: false };
        return { status: 200, body: r.body.conditional ? { status: 'SUCCESS', conditions: [], ...session } : session };
      }
      case 'POST /v1/auth/refresh':
        return { status: 200, body: this.token('customer', sidOf(r.token)) };
      case 'POST /v1/accounts':
        return { status: 201, body: { profileId: 'p1', status: 'active', emailConfirmed: false } };
      case 'GET /v1/account':
      case 'PATCH /v1/account':
        return { status: 200, body: { profileId: 'p1', email: 'a@example.test', emailConfirmed: false, ...(r.body ?? {}) } };
      case 'POST /v1/events':
        return { status: 202, body: { accepted: r.body.events.length, rejected: [] } };
      case 'GET /v1/account/events':
        return { status: 200, body: { items: [] } };
      case 'POST /v1/accounts/confirm/resend':
      case 'POST /v1/accounts/activate-pin/resend':
      case 'POST /v1/auth/password-reset':
      case 'POST /v1/account/email-change':
      case 'DELETE /v1/account':
        return { status: 202 };
      default:
        return { status: 204 };
    }
  }
}

export function sidOf(token: string | null): string {
  if (!token) return '';
  const claims = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sid: string };
  return claims.sid;
}

/** Timers driven by the tests: nothing fires until `advance` moves the fake clock past it. */
export class FakeTimers implements Timers {
  private readonly due: { at: number; callback: () => void; handle: number }[] = [];
  private next = 1;
  readonly delays: number[] = [];

  constructor(private readonly clock: { now: number }) {}

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.next++;
    this.delays.push(ms);
    this.due.push({ at: this.clock.now + ms, callback, handle });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    const index = this.due.findIndex((d) => d.handle === handle);
    if (index >= 0) this.due.splice(index, 1);
  }

  /** Moves the clock to the next timer (or by `ms`) and runs what is due. */
  async advance(ms?: number): Promise<boolean> {
    await settleMicrotasks();
    const soonest = this.due.reduce<number | null>((min, d) => (min === null || d.at < min ? d.at : min), null);
    if (ms === undefined && soonest === null) return false;
    this.clock.now = ms === undefined ? Math.max(this.clock.now, soonest!) : this.clock.now + ms;
    for (const d of this.due.filter((x) => x.at <= this.clock.now).sort((a, b) => a.at - b.at)) {
      this.clearTimeout(d.handle);
      d.callback();
    }
    await settleMicrotasks();
    return true;
  }

  /** Advances timer by timer until `promise` settles. */
  async until<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    for (let i = 0; i < 10_000 && !done; i++) {
      await settleMicrotasks();
      if (!done && !(await this.advance())) await settleMicrotasks();
    }
    return watched;
  }
}

async function settleMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
