import type { ProfileRefusal } from './profile.errors';
import type { ProfileEvent } from './profile.events';

/**
 * What a command decided: the events to record and, for an expected negative outcome, the
 * refusal to answer. Some refusals still record an event (a failed sign-in records SignInFailed).
 */
export interface Decision {
  events: ProfileEvent[];
  refusal?: ProfileRefusal;
}

export const decided = (...events: ProfileEvent[]): Decision => ({ events });
export const refused = (refusal: ProfileRefusal, ...events: ProfileEvent[]): Decision => ({ events, refusal });
