/**
 * What the SDK needs from its platform, typed structurally so that browsers, React Native and
 * Node (≥ 20) all satisfy it without a dependency: fetch, crypto.getRandomValues, timers.
 */
export interface ResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}
export interface RequestInitLike {
  method: string;
  headers: Record<string, string>;
  body?: string;
}
export type FetchLike = (url: string, init: RequestInitLike) => Promise<ResponseLike>;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface PlatformGlobals {
  fetch?: FetchLike;
  crypto?: { getRandomValues<T extends Uint8Array>(array: T): T };
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const platform = globalThis as unknown as PlatformGlobals;

export function platformFetch(): FetchLike {
  const { fetch } = platform;
  if (typeof fetch !== 'function') throw new Error('@idstream/sdk: no global fetch; pass Idstream.init({ fetch })');
  // Called unbound, some platforms throw "Illegal invocation".
  return (url, init) => fetch.call(globalThis, url, init);
}

export const platformTimers: Timers = {
  setTimeout: (callback, ms) => platform.setTimeout(callback, ms),
  clearTimeout: (handle) => platform.clearTimeout(handle),
};

/** Random bytes are drawn 4 KiB at a time: one getRandomValues call per 256 ids, not per id. */
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let poolOffset = 0;

function randomBytes(length: number): Uint8Array {
  const { crypto } = platform;
  if (!crypto || typeof crypto.getRandomValues !== 'function') {
    throw new Error(
      '@idstream/sdk: no crypto.getRandomValues (on React Native, install a polyfill such as react-native-get-random-values)',
    );
  }
  if (poolOffset + length > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_SIZE));
    poolOffset = 0;
  }
  // A copy: the caller sets version bits in it, and pool bytes are never handed out twice.
  const bytes = pool.slice(poolOffset, poolOffset + length);
  poolOffset += length;
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function format(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[bytes[i]!]!;
  }
  return out;
}

/** A random UUID v4 (the device uuid). */
export function uuidV4(): string {
  const bytes = randomBytes(16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return format(bytes);
}

/** A UUID v7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Event ids, sortable by time. */
export function uuidV7(nowMs: number): string {
  const bytes = randomBytes(16);
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return format(bytes);
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The claims of a JWT, read without verifying (the server verifies; the SDK only needs sid and exp). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '=');
    const binary = atob(base64);
    const utf8 = decodeURIComponent(Array.from(binary, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''));
    const claims = JSON.parse(utf8) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
