import { EventStore1764400000000 } from './1764400000000-event-store';
import { Identity1764400001000 } from './1764400001000-identity';
import { CanonicalEmails1764600000000 } from './1764600000000-canonical-emails';
import { ProfileSnapshotVersion1764700000000 } from './1764700000000-profile-snapshot-version';
import { DataKeys1764800000000 } from './1764800000000-data-keys';
import { ExternalIdentities1764800000500 } from './1764800000500-external-identities';
import { ActivationPins1764900000000 } from './1764900000000-activation-pins';
import { SigningKeyAlgorithms1764900000000 } from './1764900000000-signing-key-algorithms';

/**
 * Every migration of schema `auth`, in order. TypeORM runs the ones it has not recorded by name,
 * sorted by the timestamp that ends the name; a stable sort, so equal timestamps run in this
 * list's order. ActivationPins and SigningKeyAlgorithms were released with the same timestamp
 * (two branches merged on one day): their order does not matter (one creates
 * auth.activation_pins, the other alters auth.signing_keys and auth.workspaces), and their names
 * stay as they are, since a renamed migration counts as new and would run again on every
 * database that has it. A new migration takes a timestamp of its own (auth.migrations.spec.ts).
 */
export const authMigrations = [
  EventStore1764400000000,
  Identity1764400001000,
  CanonicalEmails1764600000000,
  ProfileSnapshotVersion1764700000000,
  DataKeys1764800000000,
  ExternalIdentities1764800000500,
  ActivationPins1764900000000,
  SigningKeyAlgorithms1764900000000,
];
