import { EventStore1764400000000 } from './1764400000000-event-store';

/** Every migration of schema `auth`, in order. */
export const authMigrations = [EventStore1764400000000];
