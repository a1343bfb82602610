import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { uuidv7, type IdentityEvent } from '@idstream/contracts';
import { identityViewChange, profileAt, revokedAt } from './identity-view.change';

const at = (s: string) => Date.parse(s);
const envelope = (type: IdentityEvent['type'], data: unknown): IdentityEvent =>
  ({
    id: uuidv7(),
    type,
    schemaVersion: 1,
    occurredAt: '2025-03-01T08:00:00.000Z',
    workspaceId: 'ws',
    aggregateId: 'p1',
    sequence: 1,
    correlationId: 'c',
    causationId: null,
    data,
  }) as IdentityEvent;

describe('identity view', () => {
  it('links a device on sign-up from a device, sign-in from a device and recognition; unlinks on erasure', () => {
    const reg = identityViewChange(envelope('UserRegistered', { profileId: 'p1', deviceUuid: 'd1' }));
    assert.equal(reg.kind === 'link' && `${reg.deviceUuid}->${reg.profileId}`, 'd1->p1');
    assert.equal(identityViewChange(envelope('UserRegistered', { profileId: 'p1', deviceUuid: null })).kind, 'none');
    const opened = identityViewChange(envelope('SessionOpened', { profileId: 'p1', sessionId: 's', deviceUuid: 'd2', expiresAt: '' }));
    assert.equal(opened.kind === 'link' && opened.deviceUuid, 'd2');
    const recognized = identityViewChange(
      envelope('ClientRecognized', { profileId: 'p2', uuid: 'd3', matchedBy: 'email', previousProfileId: null }),
    );
    assert.equal(recognized.kind === 'link' && recognized.profileId, 'p2');
    const erased = identityViewChange(envelope('ProfileErased', { profileId: 'p1', erasedAt: '2025-03-02T00:00:00.000Z' }));
    assert.equal(erased.kind === 'unlink-profile' && erased.at.toISOString(), '2025-03-02T00:00:00.000Z');
    const closed = identityViewChange(
      envelope('SessionClosed', {
        profileId: 'p1',
        sessionId: 's1',
        reason: 'sign-out',
        closedAt: '2025-03-01T09:00:00.000Z',
        forgetAfter: '2025-03-01T10:00:00.000Z',
      }),
    );
    assert.equal(closed.kind, 'session-closed');
    assert.equal(identityViewChange(envelope('AccountUpdated', { profileId: 'p1', changes: {} })).kind, 'none');
  });

  it("resolves a device's profile as of the time a request was received", () => {
    const links = [
      { linkedAt: at('2025-03-01T08:00:00Z'), profileId: 'ann', eventId: '01' },
      { linkedAt: at('2025-03-01T10:00:00Z'), profileId: 'bob', eventId: '02' },
      { linkedAt: at('2025-03-01T12:00:00Z'), profileId: null, eventId: '03' },
    ];
    assert.equal(profileAt(links, at('2025-03-01T07:59:59Z')), null);
    assert.equal(profileAt(links, at('2025-03-01T08:00:00Z')), 'ann');
    assert.equal(profileAt(links, at('2025-03-01T11:00:00Z')), 'bob');
    assert.equal(profileAt(links, at('2025-03-01T13:00:00Z')), null, 'erased: anonymous again');
    assert.equal(profileAt([...links].reverse(), at('2025-03-01T11:00:00Z')), 'bob', 'order of rows does not matter');
    assert.equal(
      profileAt(
        [
          { linkedAt: 5, profileId: 'a', eventId: '01' },
          { linkedAt: 5, profileId: 'b', eventId: '02' },
        ],
        5,
      ),
      'b',
      'ties go to the later event',
    );
  });

  it('refuses tokens of a session closed before the request was received, issued before the close', () => {
    const closure = { closedAt: at('2025-03-01T09:00:00.500Z') };
    const iatBefore = at('2025-03-01T08:00:00Z') / 1000;
    assert.equal(revokedAt(closure, iatBefore, at('2025-03-01T09:00:01Z')), true);
    assert.equal(revokedAt(closure, iatBefore, at('2025-03-01T09:00:00.500Z')), true, 'at the instant of the close');
    assert.equal(
      revokedAt(closure, iatBefore, at('2025-03-01T08:59:59Z')),
      false,
      'received before the close: legitimate, even when read later',
    );
    assert.equal(
      revokedAt(closure, at('2025-03-01T09:00:00Z') / 1000, at('2025-03-01T09:30:00Z')),
      true,
      'same second as the close counts as before',
    );
    assert.equal(revokedAt(undefined, iatBefore, at('2025-03-01T09:30:00Z')), false);
  });
});
