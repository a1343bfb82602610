import { Client } from 'pg';
import type { Kafka } from 'kafkajs';
import { deadLetterTopic } from '@idstream/contracts';
import { EventProducer, ensureTopics, type TopicSpec } from '@idstream/messaging';
import { ensureDatabase, openDataSource, readCheckpoints, type IdempotentConsumer } from '@idstream/persistence';
import type { IdentityEvent, WireIdentityEvent } from '@idstream/contracts';
import type { SealedEventsOpener } from '../keys/sealed-events.opener';
import { projectorMigrations } from '../migrations/projector.migrations';
import { identityEventsConsumer } from '../projection/identity-events.subscription';
import { ProfileProjection } from '../projection/profile.projection';
import { behind, remaining, watermarkTargets, type Offsets } from './rebuild.progress';

export interface RebuildOptions {
  kafka: Kafka;
  databaseUrl: string;
  /** The topic the read model is built from (`identity.events`). */
  topic: string;
  /** Topics to create when missing (the apps' list). */
  topics: TopicSpec[];
  /** The schema the live projector serves and writes (`profiles`). */
  liveSchema: string;
  /** The live projector's consumer group: the rebuilt checkpoints are handed over to it. */
  liveGroupId: string;
  /** Keep the replaced read model as `<schema>_old` (until the next rebuild) instead of dropping it. */
  keepOld: boolean;
  /**
   * Longest pause of the live consumer while the shadow catches up its last events (ms);
   * kept below the consumer's session timeout (10 s) so the live member is not evicted.
   * Past it, the swap is rolled back, the shadow chases again, and the swap is retried.
   */
  swapCatchUpMs?: number;
  log: (entry: Record<string, unknown>) => void;
  signal?: AbortSignal;
  /** Opens sealed personal fields with auth's key service: erased profiles come out without personal data. */
  opener: Pick<SealedEventsOpener, 'open'>;
}

export interface RebuildResult {
  rebuildGroup: string;
  /** Events the shadow applied. */
  applied: number;
  /** The replaced schema, when kept. */
  oldSchema: string | null;
}

/**
 * `npm run projector:rebuild`: builds a fresh read model from offset 0 of
 * `identity.events` into `<schema>_rebuild` while the live projector keeps serving and
 * consuming, then swaps the two schemas in one transaction.
 *
 * What the live process does across the swap. It names its tables by schema name, so its
 * next statement after the commit reads and writes the rebuilt tables; it keeps its
 * consumer group and its in-memory Kafka positions. For that to be exact, the swap
 * transaction
 *  1. takes an EXCLUSIVE lock on the live `consumer_checkpoints`: each live batch starts
 *     with `SELECT ... FOR UPDATE` there, so the live consumer finishes the batch it is in
 *     and then waits (queries keep being served);
 *  2. lets the shadow catch up to the live checkpoints, now frozen, and stops it: the
 *     shadow holds every event the live model holds (and maybe more). The replay chased
 *     the watermarks beforehand, so this pause is short; when it would outlast
 *     `swapCatchUpMs` the transaction rolls back (nothing changed) and is tried again;
 *  3. hands the shadow's checkpoints and processed ids over to the live group id, so in
 *     the new schema the live consumer finds its own group at the shadow's offsets;
 *  4. renames `<schema>` to `<schema>_old` and `<schema>_rebuild` to `<schema>`, commits.
 * The waiting live batch then resolves its statements against the new tables (PostgreSQL
 * looks the name up again once the lock is granted): the batch's offsets below the new
 * checkpoint are skipped as already applied, its later ones are applied, and anything the
 * shadow had applied ahead is skipped by offset, processed id or stream position. A live
 * restart at any point seeks to the checkpoints of whichever schema is `<schema>` then.
 * The rebuild must run with the live projector's PROJECTOR_GROUP_ID and PROJECTOR_SCHEMA;
 * it refuses when the live checkpoints belong to other groups only.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildResult> {
  const { kafka, databaseUrl, liveSchema, liveGroupId, log } = options;
  const shadow = `${liveSchema}_rebuild`;
  const old = `${liveSchema}_old`;
  const rebuildGroup = `${liveGroupId}.rebuild.${Date.now().toString(36)}`;
  const topic = options.topic;
  const q = (name: string) => `"${name}"`;

  await ensureDatabase(databaseUrl);
  const control = new Client({ connectionString: databaseUrl, application_name: 'idstream-projector-rebuild' });
  await control.connect();
  const producer = new EventProducer(kafka);
  const admin = kafka.admin();
  let consumer: IdempotentConsumer<WireIdentityEvent, IdentityEvent> | undefined;
  let dataSource: Awaited<ReturnType<typeof openDataSource>> | undefined;
  let applied = 0;
  let replaced: boolean | undefined;
  try {
    const lock = await control.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
      `idstream.rebuild.${liveSchema}`,
    ]);
    if (!lock.rows[0]?.ok) throw new Error(`another rebuild of schema ${liveSchema} is running`);
    await refuseForeignGroup(control, liveSchema, liveGroupId);
    // Leftovers: a shadow of a failed run, the old model kept by the previous rebuild.
    await control.query(`DROP SCHEMA IF EXISTS ${q(shadow)} CASCADE`);
    await control.query(`DROP SCHEMA IF EXISTS ${q(old)} CASCADE`);

    await ensureTopics(kafka, options.topics);
    await admin.connect();
    await producer.connect();
    dataSource = await openDataSource({
      url: databaseUrl,
      schema: shadow,
      migrations: projectorMigrations,
      applicationName: 'idstream-projector-rebuild',
    });
    const shadowPositions = async (): Promise<Map<number, bigint>> => offsetsOf(control, shadow, rebuildGroup, topic);

    const ends = await admin.fetchTopicOffsets(topic);
    const targets = watermarkTargets(ends);
    const lows = new Map(ends.map((e) => [e.partition, BigInt(e.low)]));
    log({ msg: 'rebuild started', shadow, rebuildGroup, toRead: String(remaining(new Map(), targets, lows)) });

    consumer = await identityEventsConsumer(kafka, dataSource, producer, new ProfileProjection(shadow), options.opener, {
      groupId: rebuildGroup,
      topic,
      schema: shadow,
      // Poison messages are the same for every group: park them where the live group does.
      deadLetterTopic: deadLetterTopic(liveGroupId),
      afterCommit: (events) => {
        applied += events.length;
      },
      onError: (error, context) =>
        log({ msg: 'event not applied', err: (error as Error).message, partition: context?.partition, offset: context?.offset }),
    });
    await consumer.start();

    // Phase 1: replay, the live model serving meanwhile; then chase the watermarks until
    // what arrived during the last round is small, so the swap's pause stays short.
    const chase = async (): Promise<void> => {
      for (let round = 0; round < 20; round++) {
        const goal = watermarkTargets(await admin.fetchTopicOffsets(topic));
        if (round > 0 && remaining(await shadowPositions(), goal, lows) <= SMALL_GAP) return;
        await waitUntilCaughtUp(shadowPositions, goal, { log, signal: options.signal, lows, label: round === 0 ? 'replay' : 'chase' });
      }
    };
    await chase();
    // Most processed ids change hands now, outside the swap's lock (the swap moves the rest).
    const moved = await control.query(`UPDATE ${q(shadow)}.processed_events SET group_id = $1 WHERE group_id = $2`, [
      liveGroupId,
      rebuildGroup,
    ]);
    log({ msg: 'replayed to the watermarks', applied, processedIdsHandedOver: moved.rowCount });

    // Phase 2: the swap, in one transaction; retried after more chasing when the shadow
    // cannot catch up with the paused live consumer in time.
    for (let attempt = 1; ; attempt++) {
      await control.query('BEGIN');
      try {
        await control.query(`SET LOCAL lock_timeout = '30s'`);
        const liveExists = await tableExists(control, liveSchema, 'consumer_checkpoints');
        let liveTargets: Offsets = new Map();
        if (liveExists) {
          await control.query(`LOCK TABLE ${q(liveSchema)}.consumer_checkpoints IN EXCLUSIVE MODE`);
          liveTargets = await offsetsOf(control, liveSchema, liveGroupId, topic);
        }
        const caughtUp = await waitUntilCaughtUp(shadowPositions, liveTargets, {
          log,
          signal: options.signal,
          lows,
          label: 'catch-up',
          timeoutMs: options.swapCatchUpMs ?? 5000,
        });
        if (!caughtUp) throw new SwapRetry();
        await consumer?.stop();
        consumer = undefined;
        const late = behind(await shadowPositions(), liveTargets);
        if (late.length > 0) throw new Error(`shadow behind the live model on partitions ${late.join(', ')}`);
        await control.query(`UPDATE ${q(shadow)}.processed_events SET group_id = $1 WHERE group_id = $2`, [liveGroupId, rebuildGroup]);
        await control.query(`UPDATE ${q(shadow)}.consumer_checkpoints SET group_id = $1 WHERE group_id = $2`, [liveGroupId, rebuildGroup]);
        replaced = await schemaExists(control, liveSchema);
        if (replaced) await control.query(`ALTER SCHEMA ${q(liveSchema)} RENAME TO ${q(old)}`);
        await control.query(`ALTER SCHEMA ${q(shadow)} RENAME TO ${q(liveSchema)}`);
        await control.query('COMMIT');
        break;
      } catch (error) {
        await control.query('ROLLBACK').catch(() => undefined);
        if (!(error instanceof SwapRetry) || attempt >= 5)
          throw error instanceof SwapRetry ? new Error('the shadow could not catch up with the live model in 5 attempts') : error;
        log({ msg: 'swap postponed: the live model ran ahead', attempt });
        await chase();
      }
    }
    log({ msg: 'swapped', schema: liveSchema, applied, replaced: replaced ? old : null });

    await admin.deleteGroups([rebuildGroup]).catch((e: Error) => log({ msg: 'rebuild group not deleted', err: e.message }));
    if (!options.keepOld) await control.query(`DROP SCHEMA IF EXISTS ${q(old)} CASCADE`);
    return { rebuildGroup, applied, oldSchema: replaced && options.keepOld ? old : null };
  } finally {
    await consumer?.stop().catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await control.end().catch(() => undefined);
  }
}

async function refuseForeignGroup(control: Client, schema: string, groupId: string): Promise<void> {
  if (!(await tableExists(control, schema, 'consumer_checkpoints'))) return;
  const groups = await control.query<{ group_id: string }>(`SELECT DISTINCT group_id FROM "${schema}".consumer_checkpoints`);
  const names = groups.rows.map((r) => r.group_id);
  if (names.length > 0 && !names.includes(groupId)) {
    throw new Error(
      `schema ${schema} is fed by group(s) ${names.join(', ')}, not ${groupId}: run with the live projector's PROJECTOR_GROUP_ID`,
    );
  }
}

async function tableExists(control: Client, schema: string, table: string): Promise<boolean> {
  const r = await control.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`"${schema}".${table}`]);
  return r.rows[0]?.t != null;
}

async function schemaExists(control: Client, schema: string): Promise<boolean> {
  const r = await control.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return (r.rowCount ?? 0) > 0;
}

function offsetsOf(control: Client, schema: string, groupId: string, topic: string): Promise<Map<number, bigint>> {
  return readCheckpoints(control, schema, groupId, topic);
}

/** Messages that may arrive between the last chase and the swap: the live consumer's pause is about this long. */
const SMALL_GAP = 200n;

class SwapRetry extends Error {}

/** Resolves true once the shadow reached `targets`, false at the deadline (none by default). */
async function waitUntilCaughtUp(
  positions: () => Promise<Map<number, bigint>>,
  targets: Offsets,
  o: { log: RebuildOptions['log']; signal?: AbortSignal; lows: Offsets; label: string; timeoutMs?: number },
): Promise<boolean> {
  const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
  let lastLog = Date.now();
  for (;;) {
    const now = await positions();
    if (behind(now, targets).length === 0) return true;
    if (o.signal?.aborted) throw new Error('rebuild aborted');
    if (Date.now() > deadline) return false;
    if (Date.now() - lastLog > 5000) {
      o.log({ msg: `${o.label} in progress`, remaining: String(remaining(now, targets, o.lows)) });
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
