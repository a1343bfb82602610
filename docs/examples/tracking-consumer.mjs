#!/usr/bin/env node
// An example analytics consumer of `tracking.events` (docs/tracking.md): plain Node and kafkajs.
//
//   node docs/examples/tracking-consumer.mjs [--from-beginning] [--max N]
//
// Environment: KAFKA_BROKERS (default 127.0.0.1:9092), TRACKING_EVENTS_TOPIC (default
// tracking.events), GROUP_ID (default analytics-example). Prints one line per accepted event:
// time, workspace, who (profile id, or the device when anonymous), event type, label, params.
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const topic = process.env.TRACKING_EVENTS_TOPIC ?? 'tracking.events';
const groupId = process.env.GROUP_ID ?? 'analytics-example';
const fromBeginning = process.argv.includes('--from-beginning');
const maxAt = process.argv.indexOf('--max');
const max = maxAt > 0 ? Number(process.argv[maxAt + 1]) : Infinity;

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const kafka = new Kafka({ clientId: 'analytics-example', brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({
  groupId,
  // read_committed: the ingester writes in Kafka transactions; a batch it aborted (a crash, a
  // retry) must never be seen. It is kafkajs' default; said here because it matters.
  readUncommitted: false,
});

let seen = 0;
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await consumer.disconnect();
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    let envelope;
    try {
      envelope = JSON.parse(message.value.toString('utf8'));
    } catch {
      console.error(`partition ${partition} offset ${message.offset}: not JSON, skipped`);
      return;
    }
    // Schemas only grow within a version: unknown fields are fine, another type or version is not ours.
    if (envelope.type !== 'TrackingEventAccepted' || envelope.schemaVersion !== 1) return;
    const e = envelope.data;
    // Delivery to this consumer is at least once (a crash before its offset commit re-reads):
    // a real sink de-duplicates by envelope.id, or by (workspaceId, deviceUuid, eventId).
    const who = e.anonymous ? `device:${e.deviceUuid}` : `profile:${e.profileId}`;
    const skew = e.clockSkewMs === null ? '' : ` (client clock off by ${e.clockSkewMs} ms)`;
    console.log(
      `${e.occurredAt} ${envelope.workspaceId} ${who} ${e.eventType}${e.label ? ` "${e.label}"` : ''} ${JSON.stringify(e.params)}${skew}`,
    );
    if (++seen >= max) void stop();
  },
});
