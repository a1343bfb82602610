import { ConsumerStore1764400000000 } from './1764400000000-consumer-store';
import { ProfileReadModel1764500000000 } from './1764500000000-profile-read-model';
import { CanonicalEmailLookup1764600000000 } from './1764600000000-canonical-email-lookup';

/** Every migration of the projector's schema (`profiles`, or the rebuild's shadow), in order. */
export const projectorMigrations = [ConsumerStore1764400000000, ProfileReadModel1764500000000, CanonicalEmailLookup1764600000000];
