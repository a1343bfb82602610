import { randomFillSync } from 'node:crypto';

/** Ids are branded strings: a ProfileId cannot be passed where a SessionId is expected. */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type ProfileId = Brand<string, 'ProfileId'>;
export type SessionId = Brand<string, 'SessionId'>;
export type WorkspaceId = Brand<string, 'WorkspaceId'>;
export type DeviceUuid = Brand<string, 'DeviceUuid'>;
export type EventId = Brand<string, 'EventId'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Random bytes are drawn a pool at a time: one `randomFillSync` per 409 ids instead of one per id (the ingester makes one id per event). */
const RANDOM_POOL_BYTES = 4096;
const RANDOM_BYTES_PER_ID = 10;
const randomPool = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
let randomOffset = RANDOM_POOL_BYTES;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const MS_RANGE = 2 ** 48;

/**
 * UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by
 * creation time. `now` is injectable so that callers with an injected clock stay deterministic.
 * The 74 random bits come from the CSPRNG (a pool refilled with `randomFillSync`; each byte is
 * used once).
 */
export function uuidv7(now: number = Date.now()): string {
  if (!Number.isSafeInteger(now)) throw new RangeError(`uuidv7: ${now} is not a whole number of milliseconds`);
  if (randomOffset + RANDOM_BYTES_PER_ID > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const r = randomOffset;
  randomOffset += RANDOM_BYTES_PER_ID;
  const ms = ((now % MS_RANGE) + MS_RANGE) % MS_RANGE;
  const time = ms.toString(16).padStart(12, '0');
  const p = randomPool;
  return (
    `${time.slice(0, 8)}-${time.slice(8)}-` +
    `7${HEX[p[r]! & 0x0f]!.slice(1)}${HEX[p[r + 1]!]}-` +
    `${HEX[(p[r + 2]! & 0x3f) | 0x80]}${HEX[p[r + 3]!]}-` +
    `${HEX[p[r + 4]!]}${HEX[p[r + 5]!]}${HEX[p[r + 6]!]}${HEX[p[r + 7]!]}${HEX[p[r + 8]!]}${HEX[p[r + 9]!]}`
  );
}
