import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import type { EventProducer } from '@idstream/messaging';
import { ProblemError } from '../http/problem';
import { INTAKE_LIMITS, TrackingIntake, type IntakeLimits } from './tracking-intake.service';

/** A producer whose sends the test settles by hand. */
class ManualProducer {
  readonly sends: { topic: string; messages: Message[]; resolve(): void; reject(e: Error): void }[] = [];
  send(topic: string, messages: Message[]): Promise<void> {
    return new Promise((resolve, reject) => this.sends.push({ topic, messages, resolve, reject }));
  }
}

const intake = (producer: ManualProducer, limits: Partial<IntakeLimits> = {}) =>
  new TrackingIntake(producer as unknown as EventProducer, { ...INTAKE_LIMITS, ...limits });

async function problemOf(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ProblemError, `expected a ProblemError, got ${String(error)}`);
    return error;
  }
  return assert.fail('expected a rejection');
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('tracking intake', () => {
  it('puts a sampled request traceparent in the record headers, and no unsampled one (the ingester would only skip it)', async () => {
    const producer = new ManualProducer();
    const subject = intake(producer);
    const trace = 'f1b2c3d4e5f60718293a4b5c6d7e8f90';
    const written = [
      subject.write('d', '{}', 'r1', `00-${trace}-1122334455667788-01`),
      subject.write('d', '{}', 'r2', `00-${trace}-2122334455667788-00`),
      subject.write('d', '{}', 'r3'),
    ];
    await tick();
    producer.sends[0]!.resolve();
    await tick();
    producer.sends[1]!.resolve();
    await Promise.all(written);
    assert.deepEqual(
      producer.sends.flatMap((s) => s.messages.map((m) => m.headers)),
      [{ 'request-id': 'r1', traceparent: `00-${trace}-1122334455667788-01` }, { 'request-id': 'r2' }, { 'request-id': 'r3' }],
    );
  });

  it('answers once Kafka acknowledged, and sends the records of concurrent requests together', async () => {
    const producer = new ManualProducer();
    const subject = intake(producer);
    let firstDone = false;
    const first = subject.write('dev-1', '{"a":1}', 'r1').then(() => (firstDone = true));
    const second = subject.write('dev-2', '{"b":2}', 'r2');
    const third = subject.write('dev-3', '{"c":3}', 'r3');
    await tick();
    assert.equal(producer.sends.length, 1, 'one send in flight at a time');
    assert.equal(producer.sends[0]!.topic, 'tracking.raw');
    assert.equal(firstDone, false, 'not answered before the acknowledgement');
    producer.sends[0]!.resolve();
    await first;
    await tick();
    assert.equal(producer.sends.length, 2);
    assert.deepEqual(
      producer.sends[1]!.messages.map((m) => m.key),
      ['dev-2', 'dev-3'],
      'the records queued meanwhile go out as one array',
    );
    producer.sends[1]!.resolve();
    await Promise.all([second, third]);
    assert.equal(subject.pending, 0);
  });

  it('refuses with 503 OVERLOADED and Retry-After instead of queueing without bound', async () => {
    const producer = new ManualProducer();
    const subject = intake(producer, { maxInFlight: 2 });
    const admitted = [subject.write('d', '{}', 'r1'), subject.write('d', '{}', 'r2')];
    const refused = await problemOf(subject.write('d', '{}', 'r3'));
    assert.equal(refused.code, 'OVERLOADED');
    assert.equal(refused.extra.retryAfter, 1);
    const bytes = intake(new ManualProducer(), { maxQueuedBytes: 10 });
    const big = await problemOf(bytes.write('d', '{"x":"0123456789"}', 'r4'));
    assert.equal(big.code, 'OVERLOADED');
    producer.sends[0]!.resolve();
    await tick();
    producer.sends[1]?.resolve();
    await Promise.all(admitted);
    // Room again once acknowledged.
    const again = subject.write('d', '{}', 'r5');
    await tick();
    producer.sends[producer.sends.length - 1]!.resolve();
    await again;
  });

  it('answers 503 when Kafka fails or does not acknowledge in time, and 413 for a record too large', async () => {
    const producer = new ManualProducer();
    const subject = intake(producer, { ackTimeoutMs: 50 });
    const failing = subject.write('d', '{}', 'r1');
    await tick();
    producer.sends[0]!.reject(new Error('broker down'));
    assert.equal((await problemOf(failing)).code, 'SERVICE_UNAVAILABLE');

    const slow = subject.write('d', '{}', 'r2');
    const problem = await problemOf(slow);
    assert.equal(problem.code, 'SERVICE_UNAVAILABLE');
    assert.equal(subject.pending, 1, 'a timed-out record still counts until Kafka settles it');
    producer.sends[1]!.resolve();
    await tick();
    assert.equal(subject.pending, 0);

    const tooLarge = await problemOf(intake(producer, { maxRecordBytes: 5 }).write('d', '{"much":"more"}', 'r3'));
    assert.equal(tooLarge.code, 'BODY_TOO_LARGE');
  });
});
