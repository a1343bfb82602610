import { ConsumerStore1764400000000 } from './1764400000000-consumer-store';

/** Every migration of schema `tracking`, in order. */
export const ingesterMigrations = [ConsumerStore1764400000000];
