import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  SEALED_PATHS,
  isSealedValue,
  mapSealedPaths,
  openSealedFields,
  sealedFieldAad,
  type IdentityEvent,
  type IdentityEventType,
  type SealedPath,
  type WireIdentityEvent,
} from '@idstream/contracts';

/*
 * Crypto-shredding (docs/architecture.md "Erasure"): every personal value is sealed with
 * its profile's 256-bit data key, AES-256-GCM, a fresh random 96-bit IV per value, and
 * associated data naming the profile and the field, so a sealed value copied to another
 * profile or field does not open. Destroying the data key makes every copy unreadable.
 */

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

/** A profile's data key: 32 random bytes. */
export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** Encrypts `plaintext` under `key` with `aad`: `<iv>.<ciphertext and tag>` (base64url). */
export function encrypt(key: Buffer, aad: string, plaintext: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/** The plaintext of `encrypt`'s output, or null when the key, the aad or the bytes do not match. */
export function decrypt(key: Buffer, aad: string, sealed: string): Buffer | null {
  const [ivText, bodyText, extra] = sealed.split('.');
  if (ivText === undefined || bodyText === undefined || extra !== undefined) return null;
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES || key.length !== DATA_KEY_BYTES) return null;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

/** Seals one personal value (any JSON) of `profileId`'s `field`. */
export function sealValue(key: Buffer, profileId: string, field: string, value: unknown): string {
  return `s1.${encrypt(key, sealedFieldAad(profileId, field), Buffer.from(JSON.stringify(value), 'utf8'))}`;
}

/** The clear value of a sealed one, or undefined when it does not open with `key`. */
export function openValue(key: Buffer, profileId: string, field: string, sealed: string): unknown {
  if (!isSealedValue(sealed)) return undefined;
  const plain = decrypt(key, sealedFieldAad(profileId, field), sealed.slice(3));
  if (plain === null) return undefined;
  try {
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `data` with its values at `paths` sealed for `profileId`. With `sealed` (one map per event),
 * a value of a field sealed once is reused: the stored row and the public envelope of one
 * event carry the same value of the same field, and one seal (a random IV, one AES-GCM pass)
 * serves both. The same plaintext under the same IV tells nothing more than two seals of it.
 */
export function sealPaths<T>(data: T, paths: readonly SealedPath[], key: Buffer, profileId: string, sealed?: Map<string, string>): T {
  return mapSealedPaths(data as Record<string, unknown>, paths, (value, field) => {
    if (!sealed) return sealValue(key, profileId, field, value);
    const memo = `${field}\u0000${JSON.stringify(value)}`;
    let result = sealed.get(memo);
    if (result === undefined) sealed.set(memo, (result = sealValue(key, profileId, field, value)));
    return result;
  }) as T;
}

/** `data` with its sealed values at `paths` opened; with no key (or a wrong one) they are withheld. */
export function openPaths<T>(data: T, paths: readonly SealedPath[], key: Buffer | null, profileId: string): T {
  return mapSealedPaths(data as Record<string, unknown>, paths, (value, field) =>
    key && typeof value === 'string' ? openValue(key, profileId, field, value) : undefined,
  ) as T;
}

/** The sealed paths of a public identity event type (none for most). */
export function sealedPathsOf(type: string): readonly SealedPath[] {
  return SEALED_PATHS[type as IdentityEventType] ?? [];
}

/** The profile whose data key opens an event's sealed fields (its aggregate), or null when it has none. */
export function sealedProfileOf(event: WireIdentityEvent): string | null {
  return event.schemaVersion === 2 && sealedPathsOf(event.type).length > 0 ? event.aggregateId : null;
}

/**
 * An identity event in clear for a consumer that holds the profile's data key (from auth's
 * key service); with `key` null (destroyed by an erasure) its personal fields are withheld.
 */
export function openIdentityEvent(event: WireIdentityEvent, key: Buffer | null): IdentityEvent {
  return openSealedFields(event, (sealed, field) => (key ? openValue(key, event.aggregateId, field, sealed) : undefined));
}
