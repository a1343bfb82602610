import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Configuration, Provider } from 'oidc-provider';

/** A private signing key as oidc-provider takes it (`jwks.keys`); the provider publishes its public half. */
export type ProviderSigningKey = JWK & { kid: string };

export interface OidcProviderFixtureOptions {
  /** The client ids (audiences) registered at the provider. */
  clientIds: string[];
  /** Sign with these keys instead of a new one: another issuer with the same keys (a wrong-issuer case). */
  keys?: ProviderSigningKey[];
}

export interface ProviderIdTokenClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  nonce?: string;
}

export interface ProviderIssueOptions {
  /** Sign with this key (one from `prepareRotation`, not published yet) instead of the current one. */
  key?: ProviderSigningKey;
  /** Epoch seconds; in the past for an already expired token. Default: the provider's ID token TTL (10 min). */
  expiresAt?: number;
}

/** The ID token lifetime the provider gives when asked for none. */
const ID_TOKEN_TTL_SECONDS = 600;

/**
 * A real OpenID Connect provider, `oidc-provider`, on a loopback port: its own discovery document,
 * JWKS endpoint and ID tokens, which it signs itself through its programmatic issuance
 * (`provider.IdToken`, the code its authorization and token endpoints use). Key rotation swaps in
 * a provider instance with the new key first and the old one still published; a switch makes the
 * JWKS endpoint accept requests and never answer. Beside it, the lighter jose-based
 * OidcIssuerFixture (oidc-issuer.fixture.ts) can sign anything, e.g. an `iat` in the past.
 */
export class OidcProviderFixture {
  private server: Server | null = null;
  private served!: Provider;
  private serve!: ReturnType<Provider['callback']>;
  private published: ProviderSigningKey[] = [];
  private jwksHangs = false;
  private readonly hanging = new Set<ServerResponse>();
  /** How many times the JWKS was fetched (a warm cache fetches it once). */
  jwksFetches = 0;
  issuer = '';

  private constructor(private readonly options: OidcProviderFixtureOptions) {}

  static async start(options: OidcProviderFixtureOptions): Promise<OidcProviderFixture> {
    const fixture = new OidcProviderFixture(options);
    fixture.published = options.keys ? [...options.keys] : [await OidcProviderFixture.newKey()];
    await fixture.listen();
    fixture.use(await fixture.provider(fixture.published));
    return fixture;
  }

  static async newKey(): Promise<ProviderSigningKey> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  }

  /** The private keys it signs with (current first): for another fixture that shares them. */
  get keys(): ProviderSigningKey[] {
    return [...this.published];
  }

  /** An ID token for `clientId`, signed by oidc-provider with its current key (or `options.key`). */
  async issue(clientId: string, claims: ProviderIdTokenClaims, options: ProviderIssueOptions = {}): Promise<string> {
    const provider = options.key ? await this.provider([options.key]) : this.served;
    const client = await provider.Client.find(clientId);
    if (!client) throw new Error(`no client ${clientId} at the provider`);
    const { nonce, ...available } = claims;
    const token = new provider.IdToken({ ...available }, { client });
    // Which claims the token may carry, as the scope of an authorization request grants them.
    Object.assign(token, { scope: 'openid email' });
    if (nonce !== undefined) token.set('nonce', nonce);
    return token.issue({ use: 'idtoken', ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}) });
  }

  /** A key the provider signs with only after `publish`: until then its tokens carry an unknown kid. */
  async prepareRotation(): Promise<ProviderSigningKey> {
    return OidcProviderFixture.newKey();
  }

  /** Rotates: the key becomes the signing key and joins the JWKS (the old ones stay published). */
  async publish(key: ProviderSigningKey): Promise<void> {
    this.published = [key, ...this.published];
    this.use(await this.provider(this.published));
  }

  private use(provider: Provider): void {
    this.served = provider;
    this.serve = provider.callback();
  }

  /** While set, a JWKS request is accepted and never answered (the worst kind of outage). */
  setJwksHangs(hangs: boolean): void {
    this.jwksHangs = hangs;
    if (!hangs) for (const res of this.hanging) res.destroy();
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async provider(keys: ProviderSigningKey[]): Promise<Provider> {
    // Loaded on first use: the package is ESM (Node's require of ES modules) and only these tests need it.
    const { Provider } = await import('oidc-provider');
    const configuration: Configuration = {
      clients: this.options.clientIds.map((clientId) => ({
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        redirect_uris: ['https://app.example/callback'],
        response_types: ['id_token'],
        grant_types: ['implicit'],
      })),
      jwks: { keys },
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      features: { devInteractions: { enabled: false } },
      ttl: { IdToken: ID_TOKEN_TTL_SECONDS },
      adapter: MemoryAdapter,
    };
    return new Provider(this.issuer, configuration);
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.startsWith('/jwks')) {
      this.jwksFetches++;
      if (this.jwksHangs) {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
    }
    void this.serve(req, res);
  }
}

/** The provider's storage for its own artifacts (sessions, grants): this process's memory, named so it warns of none. */
class MemoryAdapter {
  private static readonly stored = new Map<string, Record<string, unknown>>();
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  upsert(id: string, payload: Record<string, unknown>): Promise<void> {
    MemoryAdapter.stored.set(this.key(id), payload);
    return Promise.resolve();
  }
  find(id: string): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve(MemoryAdapter.stored.get(this.key(id)));
  }
  findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve([...MemoryAdapter.stored.values()].find((p) => p['uid'] === uid));
  }
  findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve([...MemoryAdapter.stored.values()].find((p) => p['userCode'] === userCode));
  }
  consume(id: string): Promise<void> {
    const payload = MemoryAdapter.stored.get(this.key(id));
    if (payload) payload['consumed'] = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    MemoryAdapter.stored.delete(this.key(id));
    return Promise.resolve();
  }
  revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, payload] of MemoryAdapter.stored) if (payload['grantId'] === grantId) MemoryAdapter.stored.delete(key);
    return Promise.resolve();
  }
}
