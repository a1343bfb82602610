import { randomBytes } from 'node:crypto';

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

/**
 * UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits, so ids sort by
 * creation time. `now` is injectable so that callers with an injected clock stay deterministic.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  let ms = BigInt(now);
  for (let i = 5; i >= 0; i--) {
    bytes[i] = Number(ms & 0xffn);
    ms >>= 8n;
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
