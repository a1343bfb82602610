import type { EntityManager } from 'typeorm';
import { openPaths, sealPaths, sealedPathsOf } from '@idstream/crypto';
import type { SealedPath } from '@idstream/contracts';

/*
 * The crypto-shredding layer of auth's event store (docs/architecture.md "Erasure"): the
 * personal fields of a stored event and of its public envelope are sealed with the
 * profile's data key on append, and opened on load. The decider, the state and the
 * handlers only ever see clear events; after an erasure the key is gone and loading gives
 * the personal fields withheld (`null`, `{}`), which folds to the erased state.
 */

/** Stored rows of this version hold sealed fields; version 1 rows (written before) are in clear. */
export const SEALED_STORED_VERSION = 2;

const PASSWORD_HASH: SealedPath = { path: 'passwordHash', withheld: null };
/** The provider's `sub` of an ExternalIdentityLinked: it identifies a person at the provider, so it is shredded too. */
const PROVIDER_SUBJECT: SealedPath = { path: 'subject', withheld: null };
const HASH_CARRIERS = new Set(['UserRegistered', 'PasswordChanged', 'PasswordResetCompleted', 'PasswordRehashed']);

/** The private personal fields of stored events that have no public personal field (a requested new email). */
const PRIVATE_PATHS: Record<string, readonly SealedPath[]> = { EmailChangeRequested: [{ path: 'newEmail', withheld: null }] };

/** Where a stored event holds personal data: its public personal fields, plus the password hash or address it keeps private. */
export function storedSealedPaths(type: string): readonly SealedPath[] {
  const paths = [...sealedPathsOf(type), ...(PRIVATE_PATHS[type] ?? [])];
  if (type === 'ExternalIdentityLinked') return [...paths, PROVIDER_SUBJECT];
  return HASH_CARRIERS.has(type) ? [...paths, PASSWORD_HASH] : paths;
}

/** The data keys an event store needs: made on first personal value, null once erased. */
export interface StreamKeys {
  keyFor(manager: EntityManager, workspaceId: string, profileId: string): Promise<Buffer | null>;
  existing(manager: EntityManager, profileIds: string[]): Promise<Map<string, Buffer | null>>;
  /** Unwraps a stored key read by the caller (`auth.data_keys`' columns); null for an erased one. */
  open(profileId: string, masterKeyId: string | null, wrappedKey: string | null): Buffer | null;
}

let processKeys: StreamKeys | undefined;

/**
 * Registers the process's data keys (ProfileDataKeys does, when the composition root makes
 * it), so that every `EventStore.load` and `append` seals and opens without its callers
 * passing keys: the layer stays invisible to the decider, the repositories and the handlers.
 * A compromise over an injectable event store; an explicit `AppendContext.keys` wins.
 */
export function useStreamKeys(keys: StreamKeys | undefined): void {
  processKeys = keys;
}

export function streamKeys(explicit?: StreamKeys): StreamKeys | undefined {
  return explicit ?? processKeys;
}

export class MissingDataKey extends Error {
  constructor(streamId: string, reason: string) {
    super(`personal data for stream ${streamId} not recorded: ${reason}`);
  }
}

/** True when `data` holds a value at one of `paths` (an event without personal values needs no key). */
export function holdsPersonalValues(data: unknown, paths: readonly SealedPath[]): boolean {
  const record = data as Record<string, unknown>;
  return paths.some(({ path }) => {
    const value = path.endsWith('.*') ? record[path.slice(0, -2)] : record[path];
    if (value === undefined || value === null) return false;
    return !path.endsWith('.*') || Object.keys(value).length > 0;
  });
}

/** `sealed`: one map per event, so that its stored row and its public envelope share each field's seal. */
export const sealStored = (type: string, data: unknown, key: Buffer, profileId: string, sealed?: Map<string, string>): unknown =>
  sealPaths(data, storedSealedPaths(type), key, profileId, sealed);

export const sealPublic = (type: string, data: unknown, key: Buffer, profileId: string, sealed?: Map<string, string>): unknown =>
  sealPaths(data, sealedPathsOf(type), key, profileId, sealed);

export const openStored = (type: string, data: unknown, key: Buffer | null, profileId: string): unknown =>
  openPaths(data, storedSealedPaths(type), key, profileId);
