import { randomUUID } from 'node:crypto';
import { waitFor, type TestSystem } from '@idstream/testing';

/** One HTTP answer the load got, or `status: 0` when none came within the client's bound (a hang). */
export interface Answer {
  route: 'anonymous' | 'register' | 'sign-in' | 'track';
  status: number;
  retryAfter: string | null;
  code: string | null;
  startedAt: number;
  endedAt: number;
  /** A retry of an unanswered or 503 request, with the same body. */
  retry: boolean;
}

/** What the load knows was accepted: the facts that must each appear exactly once downstream. */
export interface Accepted {
  /** Profile ids of registrations that committed (201, or 409 EMAIL_TAKEN after an unanswered try). */
  profiles: string[];
  /** Session ids of sign-ins answered 200. */
  sessions: string[];
  /** Ids of tracking events answered 202. */
  events: string[];
}

const PASSWORD = 'Fault!Pass1';
/** The gateway bounds every call to its services by GATEWAY_REQUEST_TIMEOUT_MS: past this, it hung. */
const CLIENT_TIMEOUT_MS = 45_000;

/**
 * Steady traffic through the gateway as SDK clients make it, each client in a loop: an
 * anonymous device, a registration, a sign-in, then tracking batches. A client retries a 503
 * the way the contract tells it to (after Retry-After, with the same email or the same event
 * ids), so every fact it was told was accepted can be counted downstream.
 */
export class SteadyLoad {
  readonly answers: Answer[] = [];
  readonly accepted: Accepted = { profiles: [], sessions: [], events: [] };
  private running = false;
  private clients: Promise<void>[] = [];
  /** The first error a client met (an answer the contract does not allow): the load stops on it. */
  failure?: Error;

  constructor(
    private readonly system: TestSystem,
    private readonly options: { clients: number; batchesPerCustomer: number; eventsPerBatch: number; pauseMs: number },
  ) {}

  start(): this {
    this.system.secrets.add(PASSWORD, 'password');
    this.running = true;
    this.clients = Array.from({ length: this.options.clients }, () =>
      this.client().catch((error: unknown) => {
        this.failure ??= error as Error;
        this.running = false;
      }),
    );
    return this;
  }

  /** Throws the failure that stopped the load, if one did. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Waits until `more` further events were accepted, failing at once when the load failed. */
  async progress(more: number, what: string, timeoutMs = 90_000): Promise<void> {
    const target = this.accepted.events.length + more;
    await waitFor(
      () => {
        this.check();
        return this.accepted.events.length >= target;
      },
      { timeoutMs, what },
    );
  }

  /** Stops starting new work; each client finishes (and retries to the end) what it began. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.clients);
    this.check();
  }

  /** Answers other than success and 503 with Retry-After: the faults must never cause one. */
  unexpected(): Answer[] {
    return this.answers.filter((a) => !(a.status >= 200 && a.status < 300) && !(a.status === 503 && a.retryAfter !== null) && !isRetry(a));
  }

  count(route: Answer['route'], predicate: (a: Answer) => boolean = () => true): number {
    return this.answers.filter((a) => a.route === route && predicate(a)).length;
  }

  private async client(): Promise<void> {
    while (this.running) {
      const device = await this.untilAccepted('anonymous', '/v1/auth/anonymous', undefined, { apiKey: this.system.clientApiKey });
      const token = device.body.token as string;
      this.system.secrets.add(token, 'access-token');
      const email = `fault.${randomUUID().slice(0, 12)}@example.test`;
      const registered = await this.untilAccepted('register', '/v1/accounts', token, { email, password: PASSWORD });
      if (registered.status === 201) this.accepted.profiles.push(registered.body.profileId as string);
      const signedIn = await this.untilAccepted('sign-in', '/v1/auth/sign-in', token, { email, password: PASSWORD });
      if (registered.status !== 201) this.accepted.profiles.push(signedIn.body.profileId as string);
      const customerToken = signedIn.body.token as string;
      this.system.secrets.add(customerToken, 'access-token');
      this.accepted.sessions.push(sessionOf(customerToken));
      for (let b = 0; b < this.options.batchesPerCustomer && this.running; b++) {
        const events = Array.from({ length: this.options.eventsPerBatch }, (_, i) => ({
          id: randomUUID(),
          type: 'fault_load',
          params: { i },
        }));
        const res = await this.untilAccepted('track', '/v1/events', customerToken, { events });
        if (res.body.accepted !== events.length)
          throw new Error(`tracking accepted ${JSON.stringify(res.body.accepted)} of ${events.length}`);
        this.accepted.events.push(...events.map((e) => e.id));
        await sleep(this.options.pauseMs);
      }
    }
  }

  /**
   * Sends until the answer is final: a 503 is retried after its Retry-After with the same body. A
   * 409 EMAIL_TAKEN after an unanswered registration means that one committed: final too.
   */
  private async untilAccepted(
    route: Answer['route'],
    path: string,
    token: string | undefined,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.send(route, path, token, body, attempt > 1);
      if (res.status >= 200 && res.status < 300) return res;
      if (route === 'register' && attempt > 1 && res.status === 409 && res.body.code === 'EMAIL_TAKEN') return res;
      if (res.status !== 503 && res.status !== 0) throw new Error(`${route}: ${res.status} ${JSON.stringify(res.body)}`);
      if (attempt > 200 || this.failure) throw new Error(`${route}: still ${res.status} after 200 attempts`);
      await sleep(Math.max(200, Number(res.retryAfter ?? 1) * 1000));
    }
  }

  private async send(
    route: Answer['route'],
    path: string,
    token: string | undefined,
    body: unknown,
    retry: boolean,
  ): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const startedAt = Date.now();
    let status = 0;
    let parsed: Record<string, unknown> = {};
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${this.system.gatewayUrl}${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      const text = await res.text();
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // No answer in time, or the connection broke (a gateway that is down): status 0.
    }
    this.answers.push({
      route,
      status,
      retryAfter,
      code: typeof parsed.code === 'string' ? parsed.code : null,
      startedAt,
      endedAt: Date.now(),
      retry,
    });
    return { status, body: parsed, retryAfter };
  }
}

/** The 409 that tells a retried registration its first try committed is an expected answer. */
function isRetry(a: Answer): boolean {
  return a.route === 'register' && a.status === 409 && a.code === 'EMAIL_TAKEN' && a.retry;
}

export function sessionOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string }).sid;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Ids that occur more than once. */
export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}
