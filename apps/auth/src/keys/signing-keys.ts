import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { uuidv7, type JwksResult, type SigningKeyRotatedData } from '@idstream/contracts';
import {
  TOKEN_ALGORITHMS,
  exportPrivateKey,
  generateSigningKey,
  importSigningKey,
  type PublicJwk,
  type SigningKey,
  type TokenAlgorithm,
} from '@idstream/crypto';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { EventStore } from '../event-store/event-store';
import { DATA_SOURCE } from '@idstream/persistence';

/** The stream of key rotations; published under this aggregate id in the `system` workspace. */
const KEYS_STREAM = 'signing-keys';
const SYSTEM_WORKSPACE = 'system';

/**
 * The token signing keys, per algorithm (EdDSA, ES256, RS256). Per algorithm, one current key
 * signs; a rotated-out key keeps verifying until the last token it signed has expired (now +
 * the max access-token TTL). Rotation happens at start and hourly checks once an algorithm's
 * current key is older than SIGNING_KEY_ROTATION_DAYS, under a transaction lock so that
 * replicas rotate once; each rotation publishes SigningKeyRotated with the public JWK (its
 * `alg`, `use: "sig"`) and the previous key of the same algorithm.
 */
@Injectable()
export class SigningKeys implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SigningKeys');
  private readonly current = new Map<TokenAlgorithm, { key: SigningKey; loadedAt: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.rotateIfDue(new Date());
    this.timer = setInterval(
      () => void this.rotateIfDue(new Date()).catch((e) => this.logger.error({ msg: 'key rotation failed', err: (e as Error).message })),
      3600_000,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The key that signs tokens of `alg` now. */
  async signingKey(alg: TokenAlgorithm): Promise<SigningKey> {
    // Another replica may have rotated: look again at most once a minute.
    const held = this.current.get(alg);
    if (held && Date.now() - held.loadedAt <= 60_000) return held.key;
    return this.loadCurrent(alg);
  }

  async jwks(now = new Date()): Promise<JwksResult> {
    const rows: { public_jwk: PublicJwk }[] = await this.dataSource.query(
      'SELECT public_jwk FROM auth.signing_keys WHERE retired_at IS NULL OR verify_until > $1 ORDER BY created_at DESC',
      [now],
    );
    return { keys: rows.map((r) => r.public_jwk) };
  }

  /** Rotates now the keys of `algorithms` (default all), whatever their age (operators, tests). */
  async rotate(now = new Date(), algorithms: readonly TokenAlgorithm[] = TOKEN_ALGORITHMS): Promise<void> {
    for (const alg of algorithms) await this.rotateAlgorithmIfDue(alg, now, true);
  }

  private async rotateIfDue(now: Date): Promise<void> {
    for (const alg of TOKEN_ALGORITHMS) await this.rotateAlgorithmIfDue(alg, now, false);
  }

  private async rotateAlgorithmIfDue(alg: TokenAlgorithm, now: Date, force: boolean): Promise<void> {
    const rotated = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['idstream.signing-keys']);
      const active: { kid: string; created_at: Date }[] = await manager.query(
        'SELECT kid, created_at FROM auth.signing_keys WHERE retired_at IS NULL AND alg = $1 ORDER BY created_at DESC LIMIT 1',
        [alg],
      );
      const previous = active[0];
      const maxAgeMs = this.config.signingKeyRotationDays * 86_400_000;
      if (previous && !force && now.getTime() - previous.created_at.getTime() < maxAgeMs) return false;

      const key = await generateSigningKey(now, alg);
      const verifyUntil = new Date(now.getTime() + this.config.maxAccessTokenTtlSeconds * 1000);
      if (previous) {
        await manager.query('UPDATE auth.signing_keys SET retired_at = $2, verify_until = $3 WHERE kid = $1', [
          previous.kid,
          now,
          verifyUntil,
        ]);
      }
      await manager.query(
        'INSERT INTO auth.signing_keys (kid, alg, private_key_pem, public_jwk, created_at) VALUES ($1, $2, $3, $4::jsonb, $5)',
        [key.kid, alg, exportPrivateKey(key), JSON.stringify(key.publicJwk), now],
      );
      const version: { v: number | null }[] = await manager.query('SELECT max(sequence) AS v FROM auth.events WHERE stream_id = $1', [
        KEYS_STREAM,
      ]);
      const data: SigningKeyRotatedData = {
        kid: key.kid,
        publicJwk: key.publicJwk,
        previousKid: previous?.kid ?? null,
        previousValidUntil: previous ? verifyUntil.toISOString() : null,
      };
      await EventStore.append(
        manager,
        { streamId: KEYS_STREAM, aggregateId: KEYS_STREAM },
        version[0]?.v ?? 0,
        [{ type: 'SigningKeyRotated', data, publicData: data }],
        { workspaceId: SYSTEM_WORKSPACE, correlationId: uuidv7(), now },
      );
      return true;
    });
    if (rotated) this.logger.log({ msg: 'signing key rotated', alg });
    await this.loadCurrent(alg);
  }

  private async loadCurrent(alg: TokenAlgorithm): Promise<SigningKey> {
    const rows: { kid: string; private_key_pem: string; created_at: Date }[] = await this.dataSource.query(
      'SELECT kid, private_key_pem, created_at FROM auth.signing_keys WHERE retired_at IS NULL AND alg = $1 ORDER BY created_at DESC LIMIT 1',
      [alg],
    );
    const row = rows[0];
    if (!row) throw new Error(`no ${alg} signing key`);
    const held = this.current.get(alg);
    const key = held?.key.kid === row.kid ? held.key : importSigningKey(row.kid, row.private_key_pem, row.created_at);
    if (key.alg !== alg) throw new Error(`signing key ${row.kid} is not an ${alg} key`);
    this.current.set(alg, { key, loadedAt: Date.now() });
    return key;
  }
}
