import { ConsumerStore1764400000000 } from './1764400000000-consumer-store';
import { TrackingState1764600000000 } from './1764600000000-tracking-state';

/** Every migration of schema `tracking`, in order. */
export const ingesterMigrations = [ConsumerStore1764400000000, TrackingState1764600000000];
