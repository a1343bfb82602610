import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { newDataKey, unwrapDataKey, wrapDataKey, type MasterKeys } from '@idstream/crypto';
import { DATA_SOURCE } from '@idstream/persistence';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { useStreamKeys } from './sealed-events';
import { destroyDataKey } from './shredding';

interface KeyRow {
  profile_id: string;
  master_key_id: string | null;
  wrapped_key: string | null;
}

/**
 * The profiles' data keys (crypto-shredding, docs/architecture.md "Erasure"), in
 * `auth.data_keys`, each wrapped under a master key. Keys are unwrapped per use and never
 * cached: once `destroy` commits, no process of auth holds the key any more.
 */
@Injectable()
export class ProfileDataKeys implements OnModuleInit {
  private readonly logger = new Logger('ProfileDataKeys');
  private readonly master: MasterKeys;

  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(AUTH_CONFIG) config: Pick<AuthConfig, 'masterKeys'>,
  ) {
    this.master = config.masterKeys;
    useStreamKeys(this);
  }

  /**
   * The profile's data key, made on first use inside the caller's transaction (a concurrent
   * maker waits for the first and reads its key); null once the profile was erased.
   */
  async keyFor(manager: EntityManager, workspaceId: string, profileId: string): Promise<Buffer | null> {
    // The usual case, a profile that has its key (or had it: erased), is one read and no wrap.
    const rows: KeyRow[] = await manager.query('SELECT profile_id, master_key_id, wrapped_key FROM auth.data_keys WHERE profile_id = $1', [
      profileId,
    ]);
    if (rows[0]) return this.unwrap(rows[0]);
    const { masterKeyId, wrapped } = wrapDataKey(this.master, profileId, newDataKey());
    await manager.query(
      `INSERT INTO auth.data_keys (profile_id, workspace_id, master_key_id, wrapped_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT (profile_id) DO NOTHING`,
      [profileId, workspaceId, masterKeyId, wrapped],
    );
    return (await this.existing(manager, [profileId])).get(profileId) ?? null;
  }

  /** The data keys of `profileIds` that exist; a profile without a key, or erased, maps to null. */
  async existing(manager: EntityManager, profileIds: string[]): Promise<Map<string, Buffer | null>> {
    const rows: KeyRow[] = profileIds.length
      ? await manager.query('SELECT profile_id, master_key_id, wrapped_key FROM auth.data_keys WHERE profile_id = ANY($1::text[])', [
          profileIds,
        ])
      : [];
    const keys = new Map<string, Buffer | null>(profileIds.map((id) => [id, null]));
    for (const row of rows) keys.set(row.profile_id, this.unwrap(row));
    return keys;
  }

  open(profileId: string, masterKeyId: string | null, wrappedKey: string | null): Buffer | null {
    return this.unwrap({ profile_id: profileId, master_key_id: masterKeyId, wrapped_key: wrappedKey });
  }

  /** For reads outside a transaction (the key service). */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Destroys the profile's data key in the caller's transaction (shredding.ts). */
  destroy(manager: EntityManager, workspaceId: string, profileId: string, now: Date): Promise<void> {
    return destroyDataKey(manager, workspaceId, profileId, now);
  }

  /**
   * At start: every stored data key must open with a configured master key (a wrong or
   * missing one stops auth with one line naming IDSTREAM_MASTER_KEYS), and keys wrapped
   * under an older master key are re-wrapped under the current one, so the old one can be
   * removed after this start (rotation).
   */
  async onModuleInit(): Promise<void> {
    const samples: KeyRow[] = await this.dataSource.query(
      `SELECT DISTINCT ON (master_key_id) profile_id, master_key_id, wrapped_key FROM auth.data_keys
        WHERE wrapped_key IS NOT NULL ORDER BY master_key_id, profile_id`,
    );
    for (const row of samples) {
      const problem = !this.master.keys.has(row.master_key_id!)
        ? `data keys are wrapped under master key "${row.master_key_id}", which it does not list`
        : this.unwrap(row) === null
          ? `master key "${row.master_key_id}" does not open the data keys wrapped under it (wrong key)`
          : null;
      if (problem) {
        process.stderr.write(`auth: Invalid environment variable IDSTREAM_MASTER_KEYS: ${problem}\n`);
        process.exit(78);
      }
    }
    const rewrapped = await this.rewrapToCurrent();
    if (rewrapped > 0)
      this.logger.log({ msg: 'data keys re-wrapped under the current master key', count: rewrapped, masterKeyId: this.master.currentId });
  }

  private async rewrapToCurrent(): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        const rows: KeyRow[] = await manager.query(
          `SELECT profile_id, master_key_id, wrapped_key FROM auth.data_keys
            WHERE wrapped_key IS NOT NULL AND master_key_id <> $1 LIMIT 200 FOR UPDATE SKIP LOCKED`,
          [this.master.currentId],
        );
        for (const row of rows) {
          const key = this.unwrap(row);
          if (!key) throw new Error(`data key of ${row.profile_id} does not open with master key ${row.master_key_id}`);
          const { masterKeyId, wrapped } = wrapDataKey(this.master, row.profile_id, key);
          await manager.query('UPDATE auth.data_keys SET master_key_id = $2, wrapped_key = $3 WHERE profile_id = $1', [
            row.profile_id,
            masterKeyId,
            wrapped,
          ]);
        }
        return rows.length;
      });
      total += done;
      if (done === 0) return total;
    }
  }

  private unwrap(row: KeyRow): Buffer | null {
    if (row.wrapped_key === null || row.master_key_id === null) return null;
    return unwrapDataKey(this.master, row.profile_id, row.master_key_id, row.wrapped_key);
  }
}
