import { EventStore1764400000000 } from './1764400000000-event-store';
import { Identity1764400001000 } from './1764400001000-identity';
import { ProfileSnapshotVersion1764400002000 } from './1764400002000-profile-snapshot-version';

/** Every migration of schema `auth`, in order. */
export const authMigrations = [EventStore1764400000000, Identity1764400001000, ProfileSnapshotVersion1764400002000];
