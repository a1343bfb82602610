import { Logger } from '@nestjs/common';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { SpanKind, batchTraceOf, cachingPartitioner, inSpan, restartAfterCrash } from '@idstream/messaging';
import type { DataSource } from 'typeorm';
import type { IngesterConfig } from '../config/ingester.config';
import type { IngesterMetrics } from '../metrics/ingester.metrics';
import type { DedupeStore } from './dedupe.store';
import { acceptedMessage, messageChunks, rejectedMessage, type OutMessage } from './outputs';
import type { BatchOutputs, RawBatchProcessor } from './raw-batch.processor';

/** One produce request of a transaction carries at most this much (one record batch per partition must fit the broker's limit). */
const MAX_SEND_BYTES = 512 * 1024;

/**
 * Consumes `tracking.raw` with `eachBatch` and writes each batch's outputs and its input offsets
 * in ONE Kafka transaction per input partition (transactional id `<group>.<topic>.<partition>`,
 * so a new owner of the partition fences the old one and aborts what it left open). Offsets are
 * committed only through `sendOffsets`, so a crash before the commit redelivers the batch and
 * the aborted outputs never reach a read_committed consumer: nothing lost, nothing twice.
 */
export class RawEventsConsumer {
  private readonly logger = new Logger('RawEventsConsumer');
  private readonly consumer: Consumer;
  private readonly producers = new Map<number, Promise<Producer>>();
  /** Partitions whose current producer has not written a batch yet: their next batch is checked against Kafka's committed offset. */
  private readonly unchecked = new Set<number>();
  /**
   * Per input partition: the offset this process's own committed transactions reached. Kafka
   * shows a transaction's offsets only once its markers are written, so a consumer that re-joins
   * the group just after a commit (a broker restart, a rebalance) can be handed records that
   * commit already wrote; they are skipped here, whatever the fetched offset says.
   */
  private readonly committedUpTo = new Map<number, bigint>();
  private admin?: Promise<Admin>;
  private running = false;
  /** Per input partition: the latest receivedAt processed, the clock the de-duplication store is pruned by. */
  private readonly streamTime = new Map<number, number>();
  private assigned: number[] = [];
  private pruneTimer: NodeJS.Timeout | null = null;
  private pruning: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly processor: RawBatchProcessor,
    private readonly dedupe: DedupeStore,
    private readonly metrics: IngesterMetrics,
    private readonly config: Pick<
      IngesterConfig,
      'groupId' | 'ingesterTopics' | 'partitionsConcurrency' | 'maxBytesPerPartition' | 'dedupeWindowMs' | 'pruneIntervalMs'
    >,
    private readonly pruneClosures: (now: Date) => Promise<number>,
  ) {
    this.consumer = kafka.consumer({
      groupId: config.groupId,
      maxBytesPerPartition: config.maxBytesPerPartition,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
      // The default, said out loud: only committed records of tracking.raw are read.
      readUncommitted: false,
    });
  }

  async start(): Promise<void> {
    this.running = true;
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = payload.memberAssignment[this.config.ingesterTopics.raw] ?? [];
    });
    restartAfterCrash(this.consumer, () => this.consume(), {
      wanted: () => this.running,
      onCrash: (error) => this.logger.error({ msg: 'tracking.raw consumer crashed; restarting it', err: (error as Error).message }),
    });
    await this.consume();
    this.pruneTimer = setInterval(() => {
      this.pruning = this.prune().catch((error: unknown) => this.logger.warn({ msg: 'pruning failed', err: (error as Error).message }));
    }, this.config.pruneIntervalMs);
    this.pruneTimer.unref();
  }

  private async consume(): Promise<void> {
    await this.consumer.connect();
    // A new group starts at the beginning of tracking.raw (7 days): nothing the gateway wrote
    // before the ingester's first start is lost.
    await this.consumer.subscribe({ topic: this.config.ingesterTopics.raw, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.partitionsConcurrency,
      eachBatch: (payload) => this.handleBatchTraced(payload),
    });
  }

  /** Lets the batch in flight finish, leaves the group, closes the producers. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.consumer.disconnect();
    await this.pruning;
    for (const producer of this.producers.values()) await producer.then((p) => p.disconnect()).catch(() => undefined);
    this.producers.clear();
    await this.admin?.then((a) => a.disconnect()).catch(() => undefined);
  }

  /** A batch in one consumer span: child of its first traced request, linked to all of them. */
  private handleBatchTraced(payload: EachBatchPayload): Promise<void> {
    const traced = batchTraceOf(payload.batch.messages.map((m) => m.headers));
    if (!traced) return this.handleBatch(payload);
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.destination.name': payload.batch.topic,
      'messaging.batch.message_count': payload.batch.messages.length,
    };
    return inSpan(`consume ${payload.batch.topic}`, { ...traced, kind: SpanKind.CONSUMER, attributes }, () => this.handleBatch(payload));
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const { topic, partition } = batch;
    const lastOffset = batch.messages[batch.messages.length - 1]!.offset;
    const nextOffset = (BigInt(lastOffset) + 1n).toString();
    const started = Date.now();
    const producer = await this.producerFor(partition);
    const messages = await this.notYetCommitted(topic, partition, this.notCommittedHere(partition, batch.messages));
    if (messages.length === 0) {
      payload.resolveOffset(lastOffset);
      return;
    }
    const transaction = await producer.transaction();
    let outputs: BatchOutputs;
    try {
      outputs = await this.processor.process({ topic, partition, messages }, async (out) => {
        const at = out.decidedAt;
        await this.sendAll(
          transaction,
          this.config.ingesterTopics.events,
          messageChunks(out.accepted, (c) => acceptedMessage(c, at), MAX_SEND_BYTES),
        );
        await this.sendAll(
          transaction,
          this.config.ingesterTopics.rejected,
          messageChunks(out.rejected, (r) => rejectedMessage(r, at), MAX_SEND_BYTES),
        );
        await transaction.sendOffsets({
          consumerGroupId: this.config.groupId,
          topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }],
        });
      });
      // The database (the claimed ids) committed inside process(); now the outputs and offsets.
      await transaction.commit();
      this.committedUpTo.set(partition, BigInt(nextOffset));
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      // A fenced or broken transactional producer cannot be reused: the next batch makes a new one.
      await this.dropProducer(partition);
      this.metrics.batchFailures.inc();
      this.logger.error({
        msg: 'tracking batch failed; it will be retried',
        partition,
        firstOffset: batch.messages[0]!.offset,
        lastOffset,
        err: (error as Error).message,
      });
      throw error;
    }
    payload.resolveOffset(lastOffset);
    this.metrics.recordBatch(outputs, Date.now() - started);
    if (outputs.maxReceivedAt !== null)
      this.streamTime.set(partition, Math.max(outputs.maxReceivedAt, this.streamTime.get(partition) ?? 0));
    await payload.heartbeat();
  }

  private async sendAll(transaction: { send: Producer['send'] }, topic: string, chunks: Iterable<OutMessage[]>): Promise<void> {
    for (const chunk of chunks) await transaction.send({ topic, messages: chunk, acks: -1 });
  }

  /**
   * The batch without the records a transaction already committed. A commit whose answer was
   * lost (the broker restarting, a timeout) may still complete after this process gave up on it
   * and was handed the same records again, fetched from the offset committed before it: writing
   * them again would put every output on tracking.events twice (the de-duplication store counts
   * a redelivery of the same position as the first sighting, for the aborted case). A new
   * producer's connect() waits until its transactional id's previous transaction is complete, so
   * from then on Kafka's committed offset says which case it was; read once per new producer.
   */
  private async notYetCommitted(topic: string, partition: number, messages: KafkaMessage[]): Promise<KafkaMessage[]> {
    if (!this.unchecked.has(partition)) return messages;
    const admin = await this.adminClient();
    const [offsets] = await admin.fetchOffsets({ groupId: this.config.groupId, topics: [topic] });
    const committed = BigInt(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    this.unchecked.delete(partition);
    const fresh = messages.filter((m) => BigInt(m.offset) >= committed);
    if (fresh.length < messages.length) {
      this.logger.warn({ msg: 'skipped records a completed transaction had written', partition, skipped: messages.length - fresh.length });
    }
    return fresh;
  }

  /** The batch without the records this process's own commits already wrote (see `committedUpTo`). */
  private notCommittedHere(partition: number, messages: KafkaMessage[]): KafkaMessage[] {
    const upTo = this.committedUpTo.get(partition);
    if (upTo === undefined) return messages;
    const fresh = messages.filter((m) => BigInt(m.offset) >= upTo);
    if (fresh.length < messages.length) {
      this.logger.warn({ msg: 'skipped records this process had committed', partition, skipped: messages.length - fresh.length });
    }
    return fresh;
  }

  private adminClient(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return this.admin;
  }

  private producerFor(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (!producer) {
      this.unchecked.add(partition);
      const created = this.kafka.producer({
        transactionalId: `${this.config.groupId}.${this.config.ingesterTopics.raw}.${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // One murmur2 per device key instead of one per record.
        createPartitioner: cachingPartitioner(),
      });
      // connect() initialises the transactional id: any transaction a previous owner left open is aborted.
      producer = created.connect().then(() => created);
      producer.catch(() => this.producers.delete(partition));
      this.producers.set(partition, producer);
    }
    return producer;
  }

  private async dropProducer(partition: number): Promise<void> {
    const producer = this.producers.get(partition);
    this.producers.delete(partition);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /**
   * Forgets the ids older than the de-duplication window, measured on each partition's own
   * stream time (the latest receivedAt processed, never ahead of the clock): an ingester that
   * lags behind does not forget ids that the records still ahead of it may repeat.
   */
  private async prune(): Promise<void> {
    const now = Date.now();
    for (const partition of this.assigned) {
      const streamTime = this.streamTime.get(partition);
      if (streamTime === undefined) continue;
      const before = new Date(Math.min(now, streamTime) - this.config.dedupeWindowMs);
      const removed = await this.dedupe.prune(this.dataSource.manager, partition, before);
      if (removed > 0) this.logger.debug({ msg: 'forgot event ids', partition, removed, before: before.toISOString() });
    }
    await this.pruneClosures(new Date(now));
  }
}
