import { randomBytes } from 'node:crypto';
import { parseWireIdentityEvent, uuidv7, type IdentityEventV1, type WireIdentityEvent } from '@idstream/contracts';
import { newDataKey, openIdentityEvent, parseMasterKeys, sealPaths, sealedPathsOf, unwrapDataKey, wrapDataKey } from '@idstream/crypto';
import { fmt, heading, inRounds, knob, printTable, ratio, runBenchmark } from './bench.support';

/**
 * Crypto-shredding's cost per event (docs/architecture.md "Erasure"): sealing the personal
 * fields of a typical UserRegistered (AES-256-GCM per field, as auth's event store does on
 * append) and opening them (as the projector does per batch), against JSON.stringify of the
 * same envelope in the same run. Each task runs the operation BATCH times so that the loop's
 * own cost (a promise per task) stays out of the figure.
 */
const BATCH = 100;

runBenchmark('sealing', async () => {
  const seconds = knob('BENCH_SEALING_SECONDS', 2);
  const rounds = knob('BENCH_SEALING_ROUNDS', 10);
  heading('Sealing personal fields (libs/crypto)', 'seal / open a UserRegistered envelope vs JSON.stringify of it, in rounds');
  const profileId = uuidv7();
  const event: IdentityEventV1 = {
    id: uuidv7(),
    type: 'UserRegistered',
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    workspaceId: uuidv7(),
    aggregateId: profileId,
    sequence: 1,
    correlationId: 'req-bench',
    causationId: null,
    data: {
      profileId,
      email: 'ada.lovelace@example.com',
      profile: { firstName: 'Ada', lastName: 'Lovelace', phone: '+44 20 7946 0958', birthDate: '1815-12-10', city: 'London' },
      agreements: { email: true, sms: false },
      attributes: { plan: 'gold', visits: 12 },
      deviceUuid: uuidv7(),
      registrationMode: 'automatic',
      status: 'active',
      emailConfirmed: false,
      attachedToImportedProfile: false,
    },
  };
  const key = newDataKey();
  const paths = sealedPathsOf('UserRegistered');
  const seal = () => JSON.stringify({ ...event, schemaVersion: 2, data: sealPaths(event.data, paths, key, profileId) });
  const sealedText = seal();
  const parsed = parseWireIdentityEvent(sealedText);
  if (!parsed.ok) throw new Error(parsed.error);
  const sealedEvent: WireIdentityEvent = parsed.value;
  const master = parseMasterKeys(`bench:${randomBytes(32).toString('base64')}`);
  const wrapped = wrapDataKey(master, profileId, key);
  const clearText = JSON.stringify(event);
  let sink = 0;
  const repeat = (work: () => unknown) => () => {
    for (let i = 0; i < BATCH; i++) if (work()) sink++;
    return Promise.resolve();
  };
  const BASELINE = 'JSON.stringify(envelope) (baseline)';
  const cases = [
    { name: BASELINE, task: repeat(() => JSON.stringify(event)) },
    { name: 'JSON.stringify + JSON.parse', task: repeat(() => JSON.parse(JSON.stringify(event)) as unknown) },
    { name: 'seal 8 fields + JSON.stringify (auth, append)', task: repeat(seal) },
    {
      name: 'JSON.parse + open 8 fields (projector)',
      task: repeat(() => openIdentityEvent(JSON.parse(sealedText) as WireIdentityEvent, key)),
    },
    {
      name: 'seal + open (encrypt+decrypt per event)',
      task: repeat(() => openIdentityEvent(JSON.parse(seal()) as WireIdentityEvent, key)),
    },
    { name: 'open only (no parse)', task: repeat(() => openIdentityEvent(sealedEvent, key)) },
    {
      name: 'unwrap a data key (per command in auth)',
      task: repeat(() => unwrapDataKey(master, profileId, wrapped.masterKeyId, wrapped.wrapped)),
    },
  ].map((c) => ({ ...c, count: 10_000_000 }));
  const results = await inRounds(cases, rounds, seconds);
  const perSec = (name: string) => results.find((r) => r.name === name)!.medianPerSecond * BATCH;
  const base = perSec(BASELINE);
  printTable(
    `Per event (${rounds} rounds of ${fmt(seconds / rounds, 2)} s per case; median)`,
    ['operation', 'ops/s', 'µs/op', 'vs JSON.stringify', 'CPU µs/op'],
    results.map((r) => {
      const ops = r.medianPerSecond * BATCH;
      return [r.name, fmt(ops, 0), fmt(1e6 / ops, 2), ratio(ops, base), fmt((r.total.cpuMs * 1000) / (r.total.done * BATCH), 2)];
    }),
    [
      `envelope: ${clearText.length} bytes in clear, ${sealedText.length} bytes sealed (${ratio(sealedText.length, clearText.length)})`,
      'ratio below 1×: slower than JSON.stringify of the clear envelope',
      `(sink ${sink > 0 ? 'ok' : 'empty'})`,
    ],
  );
});
