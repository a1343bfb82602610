import { randomUUID } from 'node:crypto';
import {
  IDENTITY_SCHEMA_VERSION,
  parseIdentityEvent,
  uuidv7,
  type Envelope,
  type IdentityEvent,
  type IdentityEventDataMap,
  type IdentityEventType,
  type ProfileFields,
} from '@idstream/contracts';

/**
 * Builds valid identity envelopes for one workspace, as `auth` would publish them: a
 * sequence per aggregate, a clock that moves one second per event, every envelope checked
 * against the published JSON Schema. Tests only.
 */
export class IdentityEventsBuilder {
  private readonly sequences = new Map<string, number>();
  private clock: number;

  constructor(
    readonly workspaceId: string = uuidv7(),
    start: string = '2025-03-01T08:00:00.000Z',
  ) {
    this.clock = Date.parse(start);
  }

  event<T extends IdentityEventType>(
    type: T,
    aggregateId: string,
    data: IdentityEventDataMap[T],
    at?: string,
  ): Envelope<T, IdentityEventDataMap[T]> {
    const sequence = (this.sequences.get(aggregateId) ?? 0) + 1;
    this.sequences.set(aggregateId, sequence);
    this.clock += 1000;
    const envelope = {
      id: uuidv7(this.clock),
      type,
      schemaVersion: IDENTITY_SCHEMA_VERSION,
      occurredAt: at ?? new Date(this.clock).toISOString(),
      workspaceId: this.workspaceId,
      aggregateId,
      sequence,
      correlationId: randomUUID(),
      causationId: null,
      data,
    } as Envelope<T, IdentityEventDataMap[T]>;
    const parsed = parseIdentityEvent(JSON.stringify(envelope));
    if (!parsed.ok) throw new Error(`test built an invalid ${type}: ${parsed.error}`);
    return envelope;
  }

  /** The sequence the aggregate's last event got. */
  sequenceOf(aggregateId: string): number {
    return this.sequences.get(aggregateId) ?? 0;
  }

  anonymous(uuid: string = randomUUID()) {
    return this.event('AnonymousClientCreated', uuid, { uuid });
  }

  registered(
    profileId: string,
    email: string,
    o: {
      deviceUuid?: string;
      profile?: ProfileFields;
      attributes?: Record<string, unknown>;
      agreements?: Record<string, boolean>;
      pending?: boolean;
      attached?: boolean;
    } = {},
  ) {
    return this.event('UserRegistered', profileId, {
      profileId,
      email,
      profile: o.profile ?? {},
      agreements: o.agreements ?? {},
      attributes: o.attributes ?? {},
      deviceUuid: o.deviceUuid ?? null,
      registrationMode: o.pending ? 'email-activation' : 'automatic',
      status: o.pending ? 'pending-activation' : 'active',
      emailConfirmed: false,
      attachedToImportedProfile: o.attached ?? false,
    });
  }

  imported(profileId: string, email: string | null, profile: ProfileFields = {}, attributes: Record<string, unknown> = {}, created = true) {
    return this.event('ProfileImported', profileId, { profileId, email, profile, attributes, created });
  }

  updated(
    profileId: string,
    changes: ProfileFields,
    extra: { agreements?: Record<string, boolean>; attributes?: Record<string, unknown> } = {},
  ) {
    return this.event('AccountUpdated', profileId, { profileId, changes, ...extra });
  }

  confirmed(profileId: string, activated = false) {
    return this.event('EmailConfirmed', profileId, { profileId, activated });
  }

  signedIn(profileId: string, deviceUuid: string | null) {
    return this.event('SessionOpened', profileId, {
      profileId,
      sessionId: randomUUID(),
      deviceUuid,
      expiresAt: new Date(this.clock + 86_400_000).toISOString(),
    });
  }

  recognized(profileId: string, uuid: string, previousProfileId: string | null = null) {
    return this.event('ClientRecognized', profileId, { profileId, uuid, matchedBy: 'email', previousProfileId });
  }

  erased(profileId: string) {
    return this.event('ProfileErased', profileId, { profileId, erasedAt: new Date(this.clock + 1000).toISOString() });
  }

  /** One event of every type the read model ignores, on `profileId`'s stream. */
  ignored(profileId: string): IdentityEvent[] {
    const now = () => new Date(this.clock).toISOString();
    const sessionId = randomUUID();
    return [
      this.event('EmailConfirmationRequested', profileId, { profileId, purpose: 'confirmation', expiresAt: now() }),
      this.event('SessionRefreshed', profileId, { profileId, sessionId, tokenId: randomUUID(), tokenExpiresAt: now() }),
      this.event('SessionClosed', profileId, { profileId, sessionId, reason: 'sign-out', closedAt: now(), forgetAfter: now() }),
      this.event('PasswordChanged', profileId, { profileId }),
      this.event('PasswordResetRequested', profileId, { profileId, expiresAt: now() }),
      this.event('PasswordResetCompleted', profileId, { profileId }),
      this.event('SignInFailed', profileId, { profileId, reason: 'invalid-credentials' }),
    ];
  }

  keyRotated(kid: string = randomUUID()) {
    return this.event('SigningKeyRotated', `signing-keys`, {
      kid,
      publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA', kid, alg: 'EdDSA', use: 'sig' },
      previousKid: null,
      previousValidUntil: null,
    });
  }
}

/** A few hundred events over many aggregates: devices, registrations, updates, moves, erasures. */
export function workload(b: IdentityEventsBuilder, customers: number): IdentityEvent[] {
  const events: IdentityEvent[] = [];
  const ids = Array.from({ length: customers }, () => randomUUID());
  const devices: string[] = [];
  ids.forEach((p, i) => {
    const device = b.anonymous();
    devices.push(device.data.uuid);
    events.push(device, b.registered(p, `Customer${i}@Example.com`, { deviceUuid: device.data.uuid, attributes: { i } }));
    for (let n = 1; n <= 4; n++) events.push(b.updated(p, { firstName: `name-${i}-${n}` }, { attributes: { n } }));
    // Signs in on the previous customer's device: the device moves.
    events.push(b.signedIn(p, devices[Math.max(0, i - 1)]!), ...b.ignored(p).slice(0, 2));
    if (i % 7 === 3) events.push(b.erased(p));
  });
  ids.forEach((p, i) => {
    if (i % 5 === 0) events.push(b.recognized(p, devices[(i + 2) % devices.length]!));
  });
  return events;
}
