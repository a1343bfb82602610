import { ConsumerStore1764400000000 } from './1764400000000-consumer-store';

/** Every migration of schema `profiles`, in order. */
export const projectorMigrations = [ConsumerStore1764400000000];
