import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { IdentityEvent, WireIdentityEvent } from './envelope';
import { IDENTITY_EVENT_TYPES } from './identity/identity.v1.events';
import { SEALED_PATHS, mapSealedPaths } from './identity/identity.v2.events';

/** The result of parsing a message: consumers never trust a message they did not parse. */
export type Parsed<T> =
  | { ok: true; value: T }
  /** `unknown-type`: a well-formed envelope of a type this build does not know (skip it, do not fail). */
  | { ok: false; reason: 'malformed' | 'unknown-type' | 'invalid'; error: string };

function schemasDir(): string {
  // Works from the TypeScript sources and from dist/ alike: walk up to the repository root.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'libs', 'contracts', 'schemas');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('libs/contracts/schemas not found');
}

function loadValidators(family: string): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const dir = path.join(schemasDir(), family);
  const validators = new Map<string, ValidateFunction>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { title: string };
    validators.set(schema.title, ajv.compile(schema));
  }
  return validators;
}

const identityValidators = new Map<number, Map<string, ValidateFunction>>();
const KNOWN = new Set<string>(IDENTITY_EVENT_TYPES);
/** Schema versions of identity.events this build reads: 1 (clear), 2 (personal fields sealed). */
export const IDENTITY_SCHEMA_VERSIONS: readonly number[] = [1, 2];

/**
 * Parses and validates one `identity.events` message value against the checked-in schema
 * of its type and schema version, sealed fields left as they travelled. Consumers that need
 * the personal data open the result with their keys (`openIdentityEvent`, @idstream/crypto);
 * a version this build does not know is `unknown-type` (a newer producer: skip, do not fail).
 */
export function parseWireIdentityEvent(raw: Buffer | string | null): Parsed<WireIdentityEvent> {
  if (raw === null) return { ok: false, reason: 'malformed', error: 'empty message' };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'malformed', error: `not JSON: ${(e as Error).message}` };
  }
  const { type, schemaVersion } = (value ?? {}) as { type?: unknown; schemaVersion?: unknown };
  if (typeof type !== 'string') return { ok: false, reason: 'malformed', error: 'no event type' };
  if (!KNOWN.has(type)) return { ok: false, reason: 'unknown-type', error: `unknown event type ${type}` };
  // A missing or mistyped version is left to the schema (version 1's requires a number).
  const version = typeof schemaVersion === 'number' && IDENTITY_SCHEMA_VERSIONS.includes(schemaVersion) ? schemaVersion : 1;
  if (typeof schemaVersion === 'number' && !IDENTITY_SCHEMA_VERSIONS.includes(schemaVersion))
    return { ok: false, reason: 'unknown-type', error: `unknown schema version ${schemaVersion} of ${type}` };
  let validators = identityValidators.get(version);
  if (!validators) identityValidators.set(version, (validators = loadValidators(`identity.v${version}`)));
  const validate = validators.get(type);
  if (!validate) return { ok: false, reason: 'unknown-type', error: `no schema for ${type}` };
  if (!validate(value)) {
    const detail = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    return { ok: false, reason: 'invalid', error: `${type}: ${detail}` };
  }
  return { ok: true, value: value as WireIdentityEvent };
}

/**
 * Opens a parsed envelope with `open(sealed, field)`, which answers the clear value or
 * `undefined` when it cannot (no key: the value is withheld). A version-1 envelope is
 * returned as it is. The result has version 1's data shapes (`IdentityEvent`).
 */
export function openSealedFields(event: WireIdentityEvent, open: (sealed: string, field: string) => unknown): IdentityEvent {
  if (event.schemaVersion !== 2) return event as IdentityEvent;
  // Version 2 exists only for the types with sealed paths (the schema check made sure).
  const paths = SEALED_PATHS[event.type];
  if (!paths) return event as IdentityEvent;
  const data = mapSealedPaths(event.data as unknown as Record<string, unknown>, paths, (value, field) =>
    typeof value === 'string' ? open(value, field) : undefined,
  );
  return { ...event, data } as unknown as IdentityEvent;
}

/**
 * Parses one `identity.events` message for a consumer that does not read personal data
 * (revocations, device links, keys): a version-2 envelope comes back with its sealed fields
 * withheld. Consumers that need them use `parseWireIdentityEvent` and `openIdentityEvent`.
 */
export function parseIdentityEvent(raw: Buffer | string | null): Parsed<IdentityEvent> {
  const parsed = parseWireIdentityEvent(raw);
  return parsed.ok ? { ok: true, value: openSealedFields(parsed.value, () => undefined) } : parsed;
}
