import { OWN_EVENTS_MAX_CURSOR_LENGTH, OWN_EVENTS_MAX_LIMIT, OWN_EVENTS_MAX_TYPES } from '@idstream/contracts';
import { Optional, TextMatching } from '../http/validators';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const TYPES = new RegExp(`^[^,]{1,100}(,[^,]{1,100}){0,${OWN_EVENTS_MAX_TYPES - 1}}$`);
const LIMIT = /^[1-9][0-9]{0,2}$/;

/**
 * `GET /v1/account/events` query string (every value a string; a repeated key is an array and
 * refused). The shapes are checked here; the window rules (from before to, at most 90 days)
 * by `checkOwnEventsQuery`, shared with the projector.
 */
export class OwnEventsQueryDto {
  @TextMatching(1, 40, DATE_TIME, 'an ISO-8601 date-time with a zone (2026-12-01T08:00:00Z)') from!: string;
  @Optional() @TextMatching(1, 40, DATE_TIME, 'an ISO-8601 date-time with a zone (2026-12-01T08:00:00Z)') to?: string;
  @Optional()
  @TextMatching(1, 101 * OWN_EVENTS_MAX_TYPES, TYPES, `1 to ${OWN_EVENTS_MAX_TYPES} comma-separated event types of 1 to 100 characters`)
  types?: string;
  @Optional() @TextMatching(1, 3, LIMIT, `a whole number from 1 to ${OWN_EVENTS_MAX_LIMIT}`) limit?: string;
  @Optional() @TextMatching(1, OWN_EVENTS_MAX_CURSOR_LENGTH, /^[A-Za-z0-9_-]+$/, 'the nextCursor of an earlier page') cursor?: string;
}
