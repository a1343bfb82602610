/*
 * The public identity events, version 2: version 1 with every personal field sealed
 * (crypto-shredding, docs/architecture.md "Erasure"). A sealed field holds a SealedValue
 * made with its profile's data key, which auth destroys when the profile is erased: from
 * then on no copy of the message, the earliest on the topic included, yields the value.
 * The version is per event type: events without personal fields stay at version 1. Consumers get the
 * clear values from auth's key service (`AuthPatterns.dataKeys`) and
 * `openIdentityEvent` (@idstream/crypto); `parseIdentityEvent` alone gives them withheld.
 */
import type * as V1 from './identity.v1.events';

export const IDENTITY_SCHEMA_VERSION_SEALED = 2;

/*
 * A sealed value is `s1.<iv>.<ciphertext and tag>` (base64url): AES-256-GCM under the
 * profile's data key, a random 96-bit IV per value, the value's JSON as plaintext, and
 * associated data binding it to the profile id and the field (`sealedFieldAad`).
 */
/**
 * A personal value sealed with its profile's data key.
 * @pattern ^s1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$
 */
export type SealedValue = string;

/** ProfileFields with each present field sealed on its own (a change names its fields, never their values). */
export type SealedProfileFields = { [K in keyof V1.ProfileFields]?: SealedValue };

/*
 * The version-2 data types are version 1's with the personal fields replaced by sealed ones
 * (derived with Omit, so a field added to version 1 appears here too).
 */
export interface UserRegisteredDataV2 extends Omit<V1.UserRegisteredData, 'email' | 'profile' | 'agreements' | 'attributes'> {
  email: SealedValue;
  profile: SealedProfileFields;
  /** Agreements (consent flags), sealed as one value. */
  agreements: SealedValue;
  /** Attributes, sealed as one value. */
  attributes: SealedValue;
}

export interface ProfileImportedDataV2 extends Omit<V1.ProfileImportedData, 'email' | 'profile' | 'attributes'> {
  email: SealedValue | null;
  profile: SealedProfileFields;
  attributes: SealedValue;
}

export interface AccountUpdatedDataV2 extends Omit<V1.AccountUpdatedData, 'changes' | 'agreements' | 'attributes'> {
  changes: SealedProfileFields;
  agreements?: SealedValue;
  attributes?: SealedValue;
}

/**
 * Where the personal values of each event's data are: a field sealed as one value, or
 * `<object>.*`, each property of that object sealed on its own. `withheld` is what a
 * consumer without the key (or after the erasure) sees in its place: `null` for a value,
 * `{}` for an object; a property of a `.*` object is left out. The one list that auth's
 * sealing, the consumers' opening and the tests walk.
 */
export interface SealedPath {
  path: string;
  withheld: null | Record<string, never>;
}

export const SEALED_PATHS: Readonly<Partial<Record<V1.IdentityEventType, readonly SealedPath[]>>> = {
  UserRegistered: [
    { path: 'email', withheld: null },
    { path: 'profile.*', withheld: {} },
    { path: 'agreements', withheld: {} },
    { path: 'attributes', withheld: {} },
  ],
  ProfileImported: [
    { path: 'email', withheld: null },
    { path: 'profile.*', withheld: {} },
    { path: 'attributes', withheld: {} },
  ],
  AccountUpdated: [
    { path: 'changes.*', withheld: {} },
    { path: 'agreements', withheld: {} },
    { path: 'attributes', withheld: {} },
  ],
};

/** The associated data of one sealed value: binds it to its profile and its field, so it cannot be moved to another. */
export function sealedFieldAad(profileId: string, field: string): string {
  return `idstream.sealed.v1\u0000${profileId}\u0000${field}`;
}

export const SEALED_VALUE_PATTERN = /^s1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/;

export function isSealedValue(value: unknown): value is SealedValue {
  return typeof value === 'string' && SEALED_VALUE_PATTERN.test(value);
}

/**
 * Applies `transform` to every sealed (or to-be-sealed) value of `data` at `paths`: one
 * function for sealing (clear → sealed) and opening (sealed → clear, or `undefined` when the
 * key is gone: the value is withheld). Returns a new object; `data` is not changed.
 * `field` is the value's name in the associated data (`email`, `profile.firstName`).
 */
export function mapSealedPaths(
  data: Record<string, unknown>,
  paths: readonly SealedPath[],
  transform: (value: unknown, field: string) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  for (const { path, withheld } of paths) {
    if (path.endsWith('.*')) {
      const name = path.slice(0, -2);
      const object = out[name];
      if (object === undefined || object === null || typeof object !== 'object') continue;
      const mapped: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(object as Record<string, unknown>)) {
        if (value === undefined) continue;
        const next = transform(value, `${name}.${key}`);
        if (next !== undefined) mapped[key] = next;
      }
      out[name] = mapped;
    } else {
      const value = out[path];
      if (value === undefined || value === null) continue;
      const next = transform(value, path);
      out[path] = next === undefined ? (withheld === null ? null : {}) : next;
    }
  }
  return out;
}
