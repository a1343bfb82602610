import type { Envelope } from '../envelope';
import type * as T from './tracking.v1.events';

/*
 * One named type per tracking message: the roots from which scripts/generate-schemas.mjs writes
 * libs/contracts/schemas/tracking.v1/<Type>.schema.json. This file is also the family's entry
 * (libs/contracts/src/index.ts exports it), so it re-exports the data types and the validators.
 */

/** A record of `tracking.raw` (internal: gateway → ingester). */
export type TrackingRawBatch = T.TrackingRawRecord;
/** An accepted event on `tracking.events`, keyed by `workspaceId:deviceUuid`: the analytics contract. */
export type TrackingEventAccepted = Envelope<'TrackingEventAccepted', T.TrackingEventAcceptedData>;
/** A rejected event on `tracking.rejected` (operators). */
export type TrackingEventRejected = T.TrackingRejectionRecord;

export * from './tracking.v1.events';
export * from './tracking.v1.validation';
