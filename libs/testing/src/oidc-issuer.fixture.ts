import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface IssueOptions {
  /** Sign with this key instead of the current one (e.g. one the JWKS does not publish yet). */
  key?: SigningKey;
  /** Seconds from now; negative for an already expired token. Default 600. */
  expiresInSeconds?: number;
  /** Seconds from now for `iat`. Default 0. */
  issuedAtOffsetSeconds?: number;
}

/**
 * A minimal, real OpenID Connect issuer on a loopback port: discovery
 * (`/.well-known/openid-configuration`), a JWKS (`/jwks`), RS256 ID tokens signed with keys
 * it generates, key rotation, and a mode in which the JWKS never answers. It stands in for
 * Google, Apple or a customer's provider: auth fetches its keys over HTTP exactly as it would
 * theirs. (`oidc-provider` would add the authorization flows, which auth never sees: it only
 * verifies the ID token an app hands it.)
 */
export class OidcIssuerFixture {
  private server: Server | null = null;
  private published: SigningKey[] = [];
  private current!: SigningKey;
  private jwksHangs = false;
  private readonly hanging = new Set<ServerResponse>();
  /** How many times the JWKS was fetched (a warm cache fetches it once). */
  jwksFetches = 0;
  issuer = '';

  static async start(): Promise<OidcIssuerFixture> {
    const fixture = new OidcIssuerFixture();
    fixture.current = await OidcIssuerFixture.newKey();
    fixture.published = [fixture.current];
    await fixture.listen();
    return fixture;
  }

  static async newKey(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    return { kid, privateKey, publicJwk };
  }

  get jwksUri(): string {
    return `${this.issuer}/jwks`;
  }

  /** A signed ID token with `iss` this issuer and the given claims (`sub`, `aud` at least). */
  async issue(claims: JWTPayload & { sub: string; aud: string }, options: IssueOptions = {}): Promise<string> {
    const key = options.key ?? this.current;
    const now = Math.floor(Date.now() / 1000);
    const iat = now + (options.issuedAtOffsetSeconds ?? 0);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(typeof claims.iss === 'string' ? claims.iss : this.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(now + (options.expiresInSeconds ?? 600))
      .sign(key.privateKey);
  }

  /** A key this issuer signs with only after `publish`: until then its tokens carry an unknown kid. */
  async prepareRotation(): Promise<SigningKey> {
    return OidcIssuerFixture.newKey();
  }

  /** Rotates: the key becomes the current one and joins the JWKS (the old one stays published). */
  publish(key: SigningKey): void {
    this.current = key;
    this.published = [key, ...this.published];
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

  private async listen(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      send({
        issuer: this.issuer,
        jwks_uri: this.jwksUri,
        authorization_endpoint: `${this.issuer}/auth`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } else if (req.url === '/jwks') {
      this.jwksFetches++;
      if (this.jwksHangs) {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      send({ keys: this.published.map((k) => k.publicJwk) });
    } else {
      res.writeHead(404).end();
    }
  }
}
