/** A token as the SDK keeps it; times in epoch milliseconds of the injected clock. */
export interface StoredToken {
  token: string;
  expiresAt: number;
  /** expiresAt minus the time it was received: the refresh window never exceeds half of it. */
  lifetime: number;
}

export interface AnonymousToken extends StoredToken {
  uuid: string;
}

export interface CustomerToken extends StoredToken {
  profileId: string;
  /** The token's `sid`: queued events name the session that recorded them. */
  sessionId: string;
}

/** The persisted identity of the device (document "session"). */
export interface SessionDocument {
  uuid: string | null;
  anonymous: AnonymousToken | null;
  customer: CustomerToken | null;
}

export const EMPTY_SESSION: SessionDocument = { uuid: null, anonymous: null, customer: null };

/** The identity an event was recorded under: a device uuid (anonymous) or a customer session. */
export type Identity = { kind: 'anonymous'; uuid: string } | { kind: 'customer'; sessionId: string; uuid: string };

export const identityKey = (identity: Identity): string =>
  identity.kind === 'anonymous' ? `anonymous:${identity.uuid}` : `customer:${identity.sessionId}`;
