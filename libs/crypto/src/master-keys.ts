import { DATA_KEY_BYTES, decrypt, encrypt } from './sealed-values';

/**
 * The master keys that wrap the profiles' data keys (IDSTREAM_MASTER_KEYS), by id; the first
 * is current: new data keys are wrapped with it, the others only unwrap (rotation).
 */
export interface MasterKeys {
  currentId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Parses `id1:base64,id2:base64` (the first current). Each key is 32 bytes in base64 or
 * base64url; ids are 1-32 letters, digits, `_` or `-`. Throws a message naming the problem,
 * never the key.
 */
export function parseMasterKeys(text: string): MasterKeys {
  const keys = new Map<string, Buffer>();
  let currentId: string | undefined;
  for (const entry of text.split(',').map((e) => e.trim())) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error('each entry must be <id>:<base64 key>, the id 1-32 letters, digits, _ or -');
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    const encoded = entry.slice(at + 1);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new Error(`key "${id}" is not base64`);
    const key = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length !== DATA_KEY_BYTES) throw new Error(`key "${id}" must be 32 bytes (it is ${key.length})`);
    keys.set(id, key);
    currentId ??= id;
  }
  if (!currentId) throw new Error('no key');
  return { currentId, keys };
}

const wrapAad = (profileId: string, masterKeyId: string) => `idstream.data-key.v1\u0000${profileId}\u0000${masterKeyId}`;

/** A data key wrapped (AES-256-GCM) under the current master key, bound to its profile. */
export function wrapDataKey(master: MasterKeys, profileId: string, dataKey: Buffer): { masterKeyId: string; wrapped: string } {
  const key = master.keys.get(master.currentId)!;
  return { masterKeyId: master.currentId, wrapped: encrypt(key, wrapAad(profileId, master.currentId), dataKey) };
}

/** The data key, or null when its master key is not configured or does not open it (a wrong key). */
export function unwrapDataKey(master: MasterKeys, profileId: string, masterKeyId: string, wrapped: string): Buffer | null {
  const key = master.keys.get(masterKeyId);
  if (!key) return null;
  const dataKey = decrypt(key, wrapAad(profileId, masterKeyId), wrapped);
  return dataKey?.length === DATA_KEY_BYTES ? dataKey : null;
}
