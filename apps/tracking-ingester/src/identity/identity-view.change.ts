import type { IdentityEvent, SigningKeyRotatedData } from '@idstream/contracts';

/**
 * What one identity event changes in the ingester's view of identity.events. Pure: the store
 * (identity-view.store.ts) turns a change into SQL.
 */
export type IdentityViewChange =
  /** From `at` on, the device's events belong to the profile (sign-up, sign-in, recognition). */
  | { kind: 'link'; workspaceId: string; deviceUuid: string; profileId: string; at: Date; eventId: string }
  /** An erasure: the profile's links are forgotten, and its devices are anonymous from `at` on. */
  | { kind: 'unlink-profile'; workspaceId: string; profileId: string; at: Date; eventId: string }
  /** Tokens of the session issued before `closedAt` are rejected for requests received from `closedAt` on. */
  | { kind: 'session-closed'; sessionId: string; closedAt: Date; forgetAfter: Date }
  | { kind: 'signing-key'; key: SigningKeyRotatedData }
  | { kind: 'none' };

/** The identity events the view handles: the consumer skips every other type unread. */
export const VIEW_EVENT_TYPES: ReadonlySet<string> = new Set([
  'UserRegistered',
  'SessionOpened',
  'ClientRecognized',
  'ProfileErased',
  'SessionClosed',
  'SigningKeyRotated',
]);

/** What one identity event changes in the view; the other types change nothing. */
export function identityViewChange(event: IdentityEvent): IdentityViewChange {
  const base = { workspaceId: event.workspaceId, at: new Date(event.occurredAt), eventId: event.id };
  switch (event.type) {
    case 'UserRegistered':
      return event.data.deviceUuid
        ? { kind: 'link', ...base, deviceUuid: event.data.deviceUuid, profileId: event.data.profileId }
        : { kind: 'none' };
    case 'SessionOpened':
      return event.data.deviceUuid
        ? { kind: 'link', ...base, deviceUuid: event.data.deviceUuid, profileId: event.data.profileId }
        : { kind: 'none' };
    case 'ClientRecognized':
      return { kind: 'link', ...base, deviceUuid: event.data.uuid, profileId: event.data.profileId };
    case 'ProfileErased':
      return { kind: 'unlink-profile', ...base, at: new Date(event.data.erasedAt), profileId: event.data.profileId };
    case 'SessionClosed':
      return {
        kind: 'session-closed',
        sessionId: event.data.sessionId,
        closedAt: new Date(event.data.closedAt),
        forgetAfter: new Date(event.data.forgetAfter),
      };
    case 'SigningKeyRotated':
      return { kind: 'signing-key', key: event.data };
    case 'AnonymousClientCreated':
    case 'EmailConfirmationRequested':
    case 'EmailConfirmed':
    case 'SessionRefreshed':
    case 'AccountUpdated':
    case 'PasswordChanged':
    case 'PasswordResetRequested':
    case 'PasswordResetCompleted':
    case 'SignInFailed':
    case 'ExternalIdentityLinked': // the identity (issuer, subject) stays in auth: no read model carries it
    case 'ProfileImported':
    case 'EmailChangeRequested':
    case 'EmailChanged':
      return { kind: 'none' };
    default: {
      const unknownEvent: never = event;
      void unknownEvent;
      return { kind: 'none' };
    }
  }
}

/** One row of a device's link history. */
export interface DeviceLink {
  /** Epoch ms. */
  linkedAt: number;
  /** Null: unlinked (its profile was erased). */
  profileId: string | null;
  eventId: string;
}

/**
 * The profile of a device for an event received at `receivedAt`: the latest link made at or
 * before that instant (ties broken by event id, which is a time-ordered UUID v7), so the
 * answer does not depend on how far the ingester lags. Null when anonymous.
 */
export function profileAt(links: readonly DeviceLink[], receivedAt: number): string | null {
  let best: DeviceLink | undefined;
  for (const link of links) {
    if (link.linkedAt > receivedAt) continue;
    if (!best || link.linkedAt > best.linkedAt || (link.linkedAt === best.linkedAt && link.eventId > best.eventId)) best = link;
  }
  return best?.profileId ?? null;
}

/** A closed session, as the view keeps it. */
export interface SessionClosure {
  /** Epoch ms of the first close. */
  closedAt: number;
}

/**
 * Whether a token of a closed session is refused for a request received at `receivedAt`: the
 * session was closed at or before the request arrived, and the token was issued before the
 * close (`iat` is in whole seconds, so a token of the very second of the close counts as
 * before it; a closed session never issues tokens again). A request received before the close
 * was legitimate, even when the ingester reads it later.
 */
export function revokedAt(closure: SessionClosure | undefined, issuedAtSec: number, receivedAt: number): boolean {
  if (!closure) return false;
  if (closure.closedAt > receivedAt) return false;
  return Math.floor(issuedAtSec) <= Math.floor(closure.closedAt / 1000);
}
