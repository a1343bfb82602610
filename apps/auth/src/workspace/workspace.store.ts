import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { uuidv7, type TokenAlgorithm, type WorkspaceSettings, type WorkspaceTokenAlgorithmsResult } from '@idstream/contracts';
import { constantTimeEqual, randomToken, sha256Hex } from '@idstream/crypto';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { DEFAULT_WORKSPACE_SETTINGS } from './workspace.settings';
import { DATA_SOURCE } from '@idstream/persistence';

export interface Workspace {
  id: string;
  clientApiKey: string;
  settings: WorkspaceSettings;
}

interface WorkspaceRow {
  id: string;
  client_api_key: string;
  server_key_hash: string;
  settings: WorkspaceSettings;
}

const toWorkspace = (row: WorkspaceRow): Workspace => ({
  id: row.id,
  clientApiKey: row.client_api_key,
  settings: { ...DEFAULT_WORKSPACE_SETTINGS, ...row.settings },
});

/**
 * Workspaces (tenants): their keys and settings. The client API key is public (it ships in
 * apps); the server key is secret, stored as SHA-256 only and compared in constant time.
 * Reads are cached for a few seconds: settings change rarely and every command reads them.
 */
@Injectable()
export class WorkspaceStore implements OnApplicationBootstrap {
  private readonly logger = new Logger('Workspaces');
  private readonly cache = new Map<string, { workspace: Workspace | null; until: number }>();

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** The default workspace exists from the first start: keys from the environment, or generated and printed once. */
  async onApplicationBootstrap(): Promise<void> {
    await this.bootstrapDefault();
    const origins = this.config.defaultWorkspace.allowedOrigins;
    if (origins !== undefined) {
      // Deployment config wins at each start: the origins the operator put in the environment.
      await this.dataSource.query(
        `UPDATE auth.workspaces SET settings = jsonb_set(settings, '{allowedOrigins}', $1::jsonb), updated_at = now() WHERE is_default`,
        [JSON.stringify(origins)],
      );
      this.cache.clear();
    }
  }

  private async bootstrapDefault(): Promise<void> {
    const existing: WorkspaceRow[] = await this.dataSource.query('SELECT * FROM auth.workspaces WHERE is_default');
    if (existing.length > 0) return;
    const clientApiKey = this.config.defaultWorkspace.clientApiKey ?? `ck_${randomToken(18)}`;
    const serverKey = this.config.defaultWorkspace.serverKey ?? `sk_${randomToken(32)}`;
    const id = uuidv7();
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO auth.workspaces (id, client_api_key, server_key_hash, settings, is_default) VALUES ($1, $2, $3, $4::jsonb, true)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [id, clientApiKey, sha256Hex(serverKey), JSON.stringify(DEFAULT_WORKSPACE_SETTINGS)],
    );
    if (inserted.length === 0) return; // another auth replica bootstrapped it
    this.logger.log({ msg: 'default workspace created', workspaceId: id, clientApiKey });
    if (!this.config.defaultWorkspace.serverKey) {
      // Printed once, on the terminal only: it is never stored in clear nor logged as JSON.
      process.stderr.write(`\n  Default workspace ${id}\n  client API key: ${clientApiKey}\n  server key (shown once): ${serverKey}\n\n`);
    }
  }

  async byClientApiKey(apiKey: string): Promise<Workspace | null> {
    return this.cached(`key:${apiKey}`, async () => {
      const rows: WorkspaceRow[] = await this.dataSource.query('SELECT * FROM auth.workspaces WHERE client_api_key = $1', [apiKey]);
      return rows[0] ? toWorkspace(rows[0]) : null;
    });
  }

  async byId(id: string): Promise<Workspace | null> {
    return this.cached(`id:${id}`, async () => {
      const rows: WorkspaceRow[] = await this.dataSource.query('SELECT * FROM auth.workspaces WHERE id = $1', [id]);
      return rows[0] ? toWorkspace(rows[0]) : null;
    });
  }

  async byServerKey(serverKey: string): Promise<Workspace | null> {
    const hash = sha256Hex(serverKey);
    const rows: WorkspaceRow[] = await this.dataSource.query('SELECT * FROM auth.workspaces WHERE server_key_hash = $1', [hash]);
    const row = rows[0];
    // The lookup is by hash; the comparison of the stored hash is constant-time all the same.
    return row && constantTimeEqual(row.server_key_hash, hash) ? toWorkspace(row) : null;
  }

  /** Every workspace that allows browser origins, with its client key: the gateway's CORS view. */
  async withAllowedOrigins(): Promise<Workspace[]> {
    const rows: WorkspaceRow[] = await this.dataSource.query(
      `SELECT * FROM auth.workspaces WHERE jsonb_typeof(settings->'allowedOrigins') = 'array' AND jsonb_array_length(settings->'allowedOrigins') > 0`,
    );
    return rows.map(toWorkspace);
  }

  async create(settings: WorkspaceSettings): Promise<{ workspace: Workspace; serverKey: string }> {
    const id = uuidv7();
    const clientApiKey = `ck_${randomToken(18)}`;
    const serverKey = `sk_${randomToken(32)}`;
    await this.dataSource.query(
      'INSERT INTO auth.workspaces (id, client_api_key, server_key_hash, settings) VALUES ($1, $2, $3, $4::jsonb)',
      [id, clientApiKey, sha256Hex(serverKey), JSON.stringify(settings)],
    );
    return { workspace: { id, clientApiKey, settings }, serverKey };
  }

  /** Saves the settings; a changed tokenAlgorithm also records the previous one and when (§7). */
  async saveSettings(id: string, settings: WorkspaceSettings, now: Date = new Date()): Promise<void> {
    await this.dataSource.query(
      `UPDATE auth.workspaces SET
         previous_token_algorithm = CASE WHEN coalesce(settings->>'tokenAlgorithm', 'EdDSA') <> $3 THEN coalesce(settings->>'tokenAlgorithm', 'EdDSA') ELSE previous_token_algorithm END,
         token_algorithm_changed_at = CASE WHEN coalesce(settings->>'tokenAlgorithm', 'EdDSA') <> $3 THEN $4 ELSE token_algorithm_changed_at END,
         settings = $2::jsonb, updated_at = now()
       WHERE id = $1`,
      [id, JSON.stringify(settings), settings.tokenAlgorithm, now],
    );
    this.cache.clear();
  }

  /** Every workspace's token algorithm, and the previous one with the time it changed: the verifiers' pin. */
  async tokenAlgorithms(): Promise<WorkspaceTokenAlgorithmsResult['workspaces']> {
    const rows: { id: string; alg: string | null; previous: string | null; changed_at: Date | null }[] = await this.dataSource.query(
      `SELECT id, settings->>'tokenAlgorithm' AS alg, previous_token_algorithm AS previous, token_algorithm_changed_at AS changed_at FROM auth.workspaces`,
    );
    return rows.map((r) => ({
      workspaceId: r.id,
      tokenAlgorithm: (r.alg ?? DEFAULT_WORKSPACE_SETTINGS.tokenAlgorithm) as TokenAlgorithm,
      previous: r.previous && r.changed_at ? { tokenAlgorithm: r.previous as TokenAlgorithm, changedAt: r.changed_at.toISOString() } : null,
    }));
  }

  private async cached(key: string, load: () => Promise<Workspace | null>): Promise<Workspace | null> {
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.workspace;
    const workspace = await load();
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { workspace, until: Date.now() + 5000 });
    return workspace;
  }
}
