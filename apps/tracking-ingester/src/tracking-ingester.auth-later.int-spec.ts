import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { generateSigningKey } from '@idstream/crypto';
import { waitFor } from '@idstream/testing';
import { IngesterHarness, accessToken, clientEvent, identityEvent, rawRecord } from './test-support/ingester.harness';

/**
 * An ingester that started before auth (the apps start together): until auth first lists the
 * workspaces' token algorithms, it neither refuses the tokens it cannot judge yet (a refusal is
 * final) nor accepts them unpinned; their batch waits and is retried, then judged once auth answers.
 */
describe('tracking-ingester started before auth', () => {
  // A short wait: the batch fails (and is retried) soon while auth is away.
  const h = new IngesterHarness({ INGESTER_IDENTITY_WAIT_MS: '500' }, { authAtSetUp: false });
  const edWs = `ws-ed-${randomUUID()}`;
  const esWs = `ws-es-${randomUUID()}`;

  before(async () => {
    await h.setUp();
    h.auth.workspaces.set(edWs, 'EdDSA');
    h.auth.workspaces.set(esWs, 'ES256');
  });
  after(() => h.tearDown());

  it('holds the records until auth answers, then accepts the pinned algorithm and refuses the other', async () => {
    const key = await generateSigningKey();
    await h.publishIdentity(
      identityEvent('SigningKeyRotated', 'system', 'signing-keys', {
        kid: key.kid,
        publicJwk: key.publicJwk,
        previousKid: null,
        previousValidUntil: null,
      }),
    );
    await h.start();
    const device = randomUUID();
    const [good, wrong] = [clientEvent(), clientEvent()];
    await h.publishRaw(
      rawRecord(await accessToken(key, { aud: edWs, uuid: device }), device, [good]),
      rawRecord(await accessToken(key, { aud: esWs, uuid: device }), device, [wrong]),
    );

    // The batch was taken up and failed for want of the view: nothing decided yet.
    await waitFor(async () => /idstream_tracking_batch_failures_total [1-9]/.test(await h.metrics()), {
      timeoutMs: 30_000,
      what: 'a tracking batch retried while auth is away',
    });
    const decided = (id: string) =>
      h.acceptedEnvelopes().some((e) => e.data.eventId === id) || h.rejections().some((r) => r.eventId === id);
    assert.equal(decided(good.id) || decided(wrong.id), false, 'nothing accepted or refused before auth answered');

    await h.auth.start();
    await h.accepted.waitFor(() => h.acceptedEnvelopes().some((e) => e.data.eventId === good.id), 30_000);
    await h.rejected.waitFor(() => h.rejections().some((r) => r.eventId === wrong.id), 30_000);
    const refusal = h.rejections().find((r) => r.eventId === wrong.id)!;
    assert.equal(refusal.code, 'TOKEN_INVALID');
    assert.match(refusal.detail, /^alg EdDSA is not the algorithm of workspace /);
    assert.equal(
      h.acceptedEnvelopes().some((e) => e.data.eventId === wrong.id),
      false,
    );
    assert.equal(
      h.rejections().some((r) => r.eventId === good.id),
      false,
    );
    assert.ok(h.auth.tokenAlgorithmLoads >= 1);
  });
});
