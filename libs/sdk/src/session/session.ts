import { IdstreamError, notSignedIn } from '../errors';
import type { HttpTransport } from '../http';
import { jwtClaims, uuidV4 } from '../platform';
import type { DocumentStore } from '../storage/document-store';
import { type ClientSessionEndReason, endReasonOf, type ClientStateListener } from './session-end';
import {
  EMPTY_SESSION,
  type AnonymousToken,
  type CustomerToken,
  type Identity,
  type SessionDocument,
  type StoredToken,
} from './session.document';

const DOCUMENT = 'session';

export interface SessionOptions {
  apiKey: string;
  now: () => number;
  /** Refresh when this close to expiry (ms); never more than half of the token's lifetime. */
  refreshWindowMs: number;
}

/**
 * The device uuid and its tokens. A customer token is refreshed when it is used inside the
 * refresh window and still valid, by at most one request at a time; once expired, or refused
 * as revoked, the customer is signed out with the reason and the anonymous token of the same
 * uuid takes over. Anonymous and customer tokens live in separate slots, so an anonymous
 * token never overwrites a customer's.
 */
export class Session {
  private readonly inFlight = new Map<string, Promise<StoredToken | null>>();
  private readonly listeners = new Set<ClientStateListener>();
  /** What this instance last saw, to tell listeners about changes another instance made. */
  private lastSeenCustomer: string | null | undefined;
  /** The document as last read or written here: the identity of an event tracked right now. */
  private snapshot: SessionDocument | null = null;

  constructor(
    private readonly store: DocumentStore,
    private readonly http: HttpTransport,
    private readonly options: SessionOptions,
  ) {}

  onStateChange(listener: ClientStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async document(): Promise<SessionDocument> {
    const doc = await this.store.read(DOCUMENT, EMPTY_SESSION);
    this.observe(doc, 'NOT_SPECIFIED');
    return doc;
  }

  /** The device uuid, generated (v4) and persisted on first use. */
  async uuid(): Promise<string> {
    const doc = await this.document();
    if (doc.uuid) return doc.uuid;
    const fresh = uuidV4();
    // Another instance may have generated one meanwhile: the first stored uuid wins.
    const stored = await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => (d.uuid ? d : { ...d, uuid: fresh }));
    return stored.uuid!;
  }

  /** A new device uuid, refused while a customer is signed in (as Synerise does). */
  async regenerateUuid(): Promise<string> {
    const fresh = uuidV4();
    let refused = false;
    await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => {
      refused = d.customer !== null && d.customer.expiresAt > this.options.now();
      return refused ? d : { uuid: fresh, anonymous: null, customer: null };
    });
    if (refused)
      throw new IdstreamError('validation', "The UUID can't be regenerated while a customer is signed in", { code: 'SIGNED_IN' });
    return fresh;
  }

  /** Forgets everything (uuid, anonymous and customer tokens); the next call starts a new device. */
  async destroy(): Promise<void> {
    let previous: CustomerToken | null = null;
    await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => {
      previous = d.customer;
      return { uuid: uuidV4(), anonymous: null, customer: null };
    });
    if (previous) this.emitSignedOut('SESSION_DESTROYED');
  }

  /** The identity events tracked now belong to, from what this instance last saw (null before the first read). */
  knownIdentity(): Identity | null {
    const doc = this.snapshot;
    if (!doc?.uuid) return null;
    const customer = doc.customer;
    if (customer && customer.expiresAt > this.options.now()) return { kind: 'customer', sessionId: customer.sessionId, uuid: doc.uuid };
    return { kind: 'anonymous', uuid: doc.uuid };
  }

  /** The identity new events are recorded under. */
  async currentIdentity(): Promise<Identity> {
    const customer = await this.customerToken({ refresh: false });
    const uuid = await this.uuid();
    return customer ? { kind: 'customer', sessionId: customer.sessionId, uuid } : { kind: 'anonymous', uuid };
  }

  async isSignedIn(): Promise<boolean> {
    return (await this.customerToken({ refresh: false })) !== null;
  }

  /** The token of an identity, refreshed or fetched as needed; null when that customer session is over. */
  async tokenFor(identity: Identity): Promise<string | null> {
    if (identity.kind === 'anonymous') return (await this.anonymousToken(identity.uuid)).token;
    const customer = await this.customerToken({ refresh: true });
    return customer && customer.sessionId === identity.sessionId ? customer.token : null;
  }

  /** The customer token, or an `unauthorized-session` error when signed out. */
  async requireCustomerToken(): Promise<string> {
    const customer = await this.customerToken({ refresh: true });
    if (!customer) throw notSignedIn();
    return customer.token;
  }

  /** The customer's token when signed in, else the anonymous token of the device. */
  async currentToken(): Promise<string> {
    const customer = await this.customerToken({ refresh: true });
    return customer ? customer.token : (await this.anonymousToken(await this.uuid())).token;
  }

  /** An anonymous token of this uuid, fetched when missing, expired or inside the refresh window. */
  async anonymousToken(uuid: string): Promise<AnonymousToken> {
    const doc = await this.document();
    const held = doc.anonymous;
    if (held && held.uuid === uuid && !this.needsRefresh(held)) return held;
    const fetched = await this.singleFlight(`anonymous:${uuid}`, () => this.fetchAnonymous(uuid));
    return fetched as AnonymousToken;
  }

  /** The customer token; refreshed inside the window when asked to; null once signed out or expired. */
  async customerToken({ refresh }: { refresh: boolean }): Promise<CustomerToken | null> {
    const doc = await this.document();
    const customer = doc.customer;
    if (!customer) return null;
    if (customer.expiresAt <= this.options.now()) {
      await this.end(customer.sessionId, 'SESSION_EXPIRATION');
      return null;
    }
    if (!refresh || !this.needsRefresh(customer)) return customer;
    const refreshed = await this.singleFlight(`customer:${customer.sessionId}`, () => this.refreshCustomer(customer));
    return refreshed as CustomerToken | null;
  }

  /** Drops a refused anonymous token: the next call fetches a new one for the uuid. */
  async forgetAnonymous(uuid: string): Promise<void> {
    this.snapshot = await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => (d.anonymous?.uuid === uuid ? { ...d, anonymous: null } : d));
  }

  /** Refreshes the current token now (customer if signed in, else anonymous), while it is valid. */
  async refreshNow(): Promise<StoredToken> {
    const doc = await this.document();
    if (doc.customer && doc.customer.expiresAt > this.options.now()) {
      const customer = doc.customer;
      const refreshed = await this.singleFlight(`customer:${customer.sessionId}`, () => this.refreshCustomer(customer, true));
      if (!refreshed) throw notSignedIn();
      return refreshed;
    }
    return this.singleFlight(`anonymous:${await this.uuid()}`, async () => this.fetchAnonymous(await this.uuid())) as Promise<StoredToken>;
  }

  /** Records a sign-in's token (the caller checked nobody is signed in). */
  async signedIn(answer: { token: string; expiresAt: string; profileId: string }): Promise<void> {
    const customer: CustomerToken = { ...this.stored(answer), profileId: answer.profileId, sessionId: sessionIdOf(answer.token) };
    this.snapshot = await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => ({ ...d, customer }));
    this.lastSeenCustomer = customer.sessionId;
    for (const listener of this.listeners) safely(() => listener.signedIn?.());
  }

  /** Ends the customer session of `sessionId` locally (once), tells the listeners, keeps the device. */
  async end(sessionId: string, reason: ClientSessionEndReason): Promise<void> {
    let ended = false;
    this.snapshot = await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => {
      if (!d.customer || d.customer.sessionId !== sessionId) return d;
      ended = true;
      return { ...d, customer: null };
    });
    if (ended) {
      this.lastSeenCustomer = null;
      this.emitSignedOut(reason);
    }
  }

  /** A 401 on a customer call: the session is over on the server; sign out locally with its reason. */
  async endAfterRefusal(token: string, error: IdstreamError): Promise<void> {
    if (error.kind !== 'unauthorized-session') return;
    await this.end(sessionIdOf(token), endReasonOf(error.code, error.problem?.reason));
  }

  private needsRefresh(token: StoredToken): boolean {
    const window = Math.min(this.options.refreshWindowMs, token.lifetime / 2);
    return token.expiresAt - this.options.now() <= window;
  }

  private async fetchAnonymous(uuid: string): Promise<AnonymousToken> {
    const { body } = await this.http.send<{ token: string; expiresAt: string; uuid: string }>({
      method: 'POST',
      path: '/v1/auth/anonymous',
      body: { apiKey: this.options.apiKey, uuid },
    });
    const anonymous: AnonymousToken = { ...this.stored(body), uuid };
    // Only the anonymous slot, and only for the device's current uuid: a customer token is never touched.
    await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => (d.uuid === null || d.uuid === uuid ? { ...d, uuid, anonymous } : d));
    return anonymous;
  }

  private async refreshCustomer(customer: CustomerToken, failLoudly = false): Promise<CustomerToken | null> {
    let body: { token: string; expiresAt: string };
    try {
      ({ body } = await this.http.send<{ token: string; expiresAt: string }>({
        method: 'POST',
        path: '/v1/auth/refresh',
        token: customer.token,
      }));
    } catch (error) {
      if (error instanceof IdstreamError && error.kind === 'unauthorized-session') {
        await this.endAfterRefusal(customer.token, error);
        if (failLoudly) throw error;
        return null;
      }
      // Offline or a server hiccup: the token is still valid, use it and try again next call.
      if (failLoudly) throw error;
      return customer;
    }
    const refreshed: CustomerToken = { ...customer, ...this.stored(body) };
    let stillCurrent = false;
    // Only over the same session: a sign-out that happened meanwhile is never undone.
    await this.store.update(DOCUMENT, EMPTY_SESSION, (d) => {
      stillCurrent = d.customer?.sessionId === customer.sessionId;
      return stillCurrent ? { ...d, customer: refreshed } : d;
    });
    return stillCurrent ? refreshed : null;
  }

  private stored(answer: { token: string; expiresAt: string }): StoredToken {
    const now = this.options.now();
    const parsed = Date.parse(answer.expiresAt);
    const expiresAt = Number.isFinite(parsed) ? parsed : now;
    return { token: answer.token, expiresAt, lifetime: Math.max(0, expiresAt - now) };
  }

  private singleFlight(key: string, work: () => Promise<StoredToken | null>): Promise<StoredToken | null> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /** Tells listeners when another instance on the same storage signed in or out. */
  private observe(doc: SessionDocument, reason: ClientSessionEndReason): void {
    this.snapshot = doc;
    const now = doc.customer?.sessionId ?? null;
    const before = this.lastSeenCustomer;
    this.lastSeenCustomer = now;
    if (before === undefined || before === now) return;
    if (now !== null) for (const listener of this.listeners) safely(() => listener.signedIn?.());
    else this.emitSignedOut(reason);
  }

  private emitSignedOut(reason: ClientSessionEndReason): void {
    for (const listener of this.listeners) safely(() => listener.signedOut?.(reason));
  }
}

function sessionIdOf(token: string): string {
  const sid = jwtClaims(token).sid;
  return typeof sid === 'string' ? sid : token.slice(-24);
}

/** A listener that throws must not break the SDK's own work. */
function safely(call: () => void): void {
  try {
    call();
  } catch {
    // the app's listener failed; nothing the SDK can do about it
  }
}
