import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { IdentityEvent } from './envelope';
import { IDENTITY_EVENT_TYPES } from './identity/identity.v1.events';

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

let identityValidators: Map<string, ValidateFunction> | undefined;
const KNOWN = new Set<string>(IDENTITY_EVENT_TYPES);

/** Parses and validates one `identity.events` message value against its checked-in schema. */
export function parseIdentityEvent(raw: Buffer | string | null): Parsed<IdentityEvent> {
  if (raw === null) return { ok: false, reason: 'malformed', error: 'empty message' };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'malformed', error: `not JSON: ${(e as Error).message}` };
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return { ok: false, reason: 'malformed', error: 'no event type' };
  if (!KNOWN.has(type)) return { ok: false, reason: 'unknown-type', error: `unknown event type ${type}` };
  identityValidators ??= loadValidators('identity.v1');
  const validate = identityValidators.get(type);
  if (!validate) return { ok: false, reason: 'unknown-type', error: `no schema for ${type}` };
  if (!validate(value)) {
    const detail = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    return { ok: false, reason: 'invalid', error: `${type}: ${detail}` };
  }
  return { ok: true, value: value as IdentityEvent };
}
