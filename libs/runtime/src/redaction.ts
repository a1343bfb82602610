/**
 * The one redacting serializer every log line goes through (JsonLogger, kafkajs' logs, the
 * database logger, uncaught errors). Two layers:
 * - by key: the value under a sensitive key is replaced by `[redacted]` wherever it is nested
 *   (passwords, hashes, tokens, secrets, keys, cookies, authorization, PINs, emails and other
 *   personal fields) and a query's `parameters` are replaced by their count;
 * - by shape, in every string (messages, stacks, SQL, driver errors): emails, PBKDF2 hashes,
 *   JWTs, `Bearer …`, server keys `sk_…`, long random tokens, credentials in URLs, `key=value`
 *   and `"key":"value"` pairs under a sensitive key, and the row values PostgreSQL quotes in
 *   an error's detail (`Key (…)=(…)`, `Failing row contains (…)`).
 * Client API keys (`ck_…`) are public by design (they ship inside apps) and are not matched by
 * shape; under a key such as `apiKey` they are removed like any key. Errors keep their type,
 * code and (scrubbed) message and stack, and their causes; cycles become `[circular]`.
 */

const SENSITIVE_NAMES = new Set([
  'password',
  'passwd',
  'pwd',
  'hash',
  'salt',
  'token',
  'secret',
  'key',
  'pin',
  'otp',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'email',
  'emails',
  'recipient',
  'recipients',
  'firstname',
  'lastname',
  'displayname',
  'fullname',
  'phone',
  'birthdate',
  'address',
]);
/** A key is sensitive when its name (lower case, letters and digits only) ends with one of these. */
const SENSITIVE_SUFFIXES = [
  'password',
  'passwordhash',
  'hash',
  'token',
  'secret',
  'apikey',
  'serverkey',
  'privatekey',
  'adminkey',
  'email',
  'cookie',
];

export function isSensitiveKey(key: string): boolean {
  const name = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SENSITIVE_NAMES.has(name) || SENSITIVE_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

const REDACTED = '[redacted]';
const MAX_DEPTH = 8;
const MAX_ITEMS = 100;
const MAX_STRING = 8_000;

type Scrub = [RegExp, string | ((...groups: string[]) => string)];

const EMAIL = /[\p{L}\p{N}\p{M}\p{Cf}._%+'!#$&*=?^`{|}~-]{1,64}@(?:[\p{L}\p{N}\p{M}-]{1,63}\.){1,8}[\p{L}\p{N}\p{M}-]{2,63}/gu;

const SCRUBS: Scrub[] = [
  // Row values quoted by PostgreSQL: "Key (stream_id, sequence)=(…)", "Failing row contains (…)".
  [/\)=\((?:[^()]|\([^()]*\))*\)/g, ')=(…)'],
  [/Failing row contains \(.*\)/g, 'Failing row contains (…)'],
  [/\b([a-z][a-z0-9+.-]{0,20}:\/\/)[^/\s:@]{1,256}:[^/\s@]{1,256}@/gi, '$1[credentials]@'],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]'],
  [/\beyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g, '[jwt]'],
  [/pbkdf2-[\w-]*\$[^\s"',;)\]}]*/g, '[password-hash]'],
  [/\bsk_[\w-]{8,}/g, '[server-key]'],
  // "passwordHash":"…" and password=… inside free text (a JSON dump in a message, a query string).
  [
    /"([\w-]{1,64})"(\s*:\s*)("(?:[^"\\]|\\.)*"|[^\s,}\]]+)/g,
    (whole, key, colon) => (isSensitiveKey(key) ? `"${key}"${colon}"${REDACTED}"` : whole),
  ],
  [/\b([\w-]{1,64})=([^\s&"',;]+)/g, (whole, key) => (isSensitiveKey(key) ? `${key}=${REDACTED}` : whole)],
  [EMAIL, '[email]'],
  // 32 random bytes in base64url (one-time tokens) and the like: long, mixed case and digits.
  [/\b[\w-]{40,}\b/g, (run) => (/[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run) ? '[token]' : run)],
];

/** Removes secrets and personal data from free text by shape (see the module comment). */
export function scrub(text: string): string {
  let out = text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…[${text.length - MAX_STRING} more chars]` : text;
  for (const [pattern, replacement] of SCRUBS) {
    // The email pattern scans every run of local-part characters: skip it when there is no '@'.
    if (pattern === EMAIL && !out.includes('@')) continue;
    out = out.replace(pattern, replacement as (substring: string, ...args: string[]) => string);
  }
  return out;
}

/**
 * A JSON-safe copy of `value` with secrets removed: by key, by shape, in errors and their
 * causes, in arrays and maps, bounded in depth and length, and safe on cycles.
 */
export function redact(value: unknown): unknown {
  return copy(value, new WeakSet<object>(), 0);
}

function copy(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  const object = value;
  if (seen.has(object)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Buffer.isBuffer(object) || ArrayBuffer.isView(object)) return `[${(object as Uint8Array).byteLength} bytes]`;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const items = object.slice(0, MAX_ITEMS).map((item) => copy(item, seen, depth + 1) ?? null);
      if (object.length > MAX_ITEMS) items.push(`[${object.length - MAX_ITEMS} more]`);
      return items;
    }
    if (object instanceof Map)
      return copyEntries(
        [...object.entries()].map(([k, v]) => [String(k), v]),
        seen,
        depth,
      );
    if (object instanceof Set) return copy([...object], seen, depth);
    const entries = Object.entries(object);
    if (object instanceof Error) return copyError(object, entries, seen, depth);
    return copyEntries(entries, seen, depth);
  } catch {
    return '[unserializable]';
  } finally {
    seen.delete(object);
  }
}

function copyEntries(entries: [string, unknown][], seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, MAX_ITEMS)) {
    if (key === 'parameters' && Array.isArray(item)) out[key] = `[${item.length} parameters]`;
    else if (isSensitiveKey(key)) out[key] = item === undefined || item === null ? item : REDACTED;
    else {
      const copied = copy(item, seen, depth + 1);
      if (copied !== undefined) out[key] = copied;
    }
  }
  if (entries.length > MAX_ITEMS) out['…'] = `${entries.length - MAX_ITEMS} more keys`;
  return out;
}

/** An error as data: its type, message and stack (scrubbed), its own fields (redacted) and its cause. */
function copyError(error: Error, entries: [string, unknown][], seen: WeakSet<object>, depth: number): Record<string, unknown> {
  const own = entries.filter(([key]) => key !== 'message' && key !== 'stack' && key !== 'cause' && key !== 'name');
  const cause = (error as { cause?: unknown }).cause;
  return {
    type: error.name || error.constructor?.name || 'Error',
    message: scrub(String(error.message)),
    ...copyEntries(own, seen, depth),
    ...(error.stack ? { stack: scrub(error.stack) } : {}),
    ...(cause !== undefined ? { cause: copy(cause, seen, depth + 1) } : {}),
  };
}
