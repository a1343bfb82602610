import { Pool } from 'pg';
import { parseWireIdentityEvent } from '@idstream/contracts';
import { openIdentityEvent, parseMasterKeys, sealedProfileOf, unwrapDataKey } from '@idstream/crypto';

/**
 * For tests that assert on the personal fields of identity events: opens a sealed message
 * with the profile's data key, read from the system's auth.data_keys and unwrapped with its
 * master keys (what auth's key service does). Any other message is returned as it is; an
 * erased profile's fields come out withheld.
 */
export class SealedMessageOpener {
  private readonly pool: Pool;
  private readonly master;

  constructor(databaseUrl: string, masterKeys: string) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 2 });
    this.master = parseMasterKeys(masterKeys);
  }

  readonly open = async (value: string): Promise<string> => {
    const parsed = parseWireIdentityEvent(value);
    const profileId = parsed.ok ? sealedProfileOf(parsed.value) : null;
    if (!parsed.ok || !profileId) return value;
    const rows = await this.pool.query<{ master_key_id: string | null; wrapped_key: string | null }>(
      'SELECT master_key_id, wrapped_key FROM auth.data_keys WHERE profile_id = $1',
      [profileId],
    );
    const row = rows.rows[0];
    const key = row?.wrapped_key && row.master_key_id ? unwrapDataKey(this.master, profileId, row.master_key_id, row.wrapped_key) : null;
    return JSON.stringify(openIdentityEvent(parsed.value, key));
  };

  async close(): Promise<void> {
    await this.pool.end();
  }
}
