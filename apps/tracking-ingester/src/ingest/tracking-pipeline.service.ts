import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { IdentityEvent } from '@idstream/contracts';
import { EventProducer } from '@idstream/messaging';
import { KAFKA, consumerMetrics, startLagCollector } from '@idstream/runtime';
import { INGESTER_CONFIG, type IngesterConfig } from '../config/ingester.config';
import { IdentityBarrier } from '../identity/identity.barrier';
import { identityEventsConsumer } from '../identity/identity-events.consumer';
import { IdentityViewStore } from '../identity/identity-view.store';
import { VerificationKeys } from '../keys/verification-keys';
import { WorkspaceAlgorithms } from '../workspaces/workspace-algorithms';
import { IngesterMetrics } from '../metrics/ingester.metrics';
import { DedupeStore } from './dedupe.store';
import { RawBatchProcessor } from './raw-batch.processor';
import { RawEventsConsumer } from './raw-events.consumer';
import { DATA_SOURCE, readCheckpoints, type IdempotentConsumer } from '@idstream/persistence';

/**
 * A closed session is kept past its forgetAfter by tracking.raw's retention (7 days) and a day
 * of margin: a record received before forgetAfter may be read that much later and must still
 * be judged against it.
 */
const CLOSED_SESSION_GRACE_MS = 8 * 86_400_000;

/**
 * Composes the ingester: the identity view's consumer, the barrier that makes tracking batches
 * wait for it, the verification keys, the workspaces' token algorithms, the batch processor and the transactional consumer of
 * tracking.raw, and consumer lag for /metrics.
 */
@Injectable()
export class TrackingPipeline implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TrackingPipeline');
  private readonly metrics = new IngesterMetrics();
  private readonly view = new IdentityViewStore();
  private identity?: IdempotentConsumer<IdentityEvent>;
  private raw?: RawEventsConsumer;
  private barrier?: IdentityBarrier;
  private keys?: VerificationKeys;
  private algorithms?: WorkspaceAlgorithms;
  private lag: { stop(): Promise<void> }[] = [];
  private stopped = false;

  /** Ready once the identity view caught up with identity.events as it was at start. */
  get ready(): boolean {
    return this.barrier?.ready ?? false;
  }

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(INGESTER_CONFIG) private readonly config: IngesterConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this;
    const topics = config.ingesterTopics;
    const barrier = new IdentityBarrier(this.kafka, this.dataSource, {
      topic: topics.identity,
      groupId: config.identityGroupId,
      waitMs: config.identityWaitMs,
    });
    this.barrier = barrier;
    const identityLabels = { group: config.identityGroupId, topic: topics.identity };
    this.identity = await identityEventsConsumer(this.kafka, this.dataSource, this.producer, this.view, {
      groupId: config.identityGroupId,
      topic: topics.identity,
      afterCommit: (applied) => {
        consumerMetrics.applied.inc(identityLabels, applied.length);
        barrier.notify();
      },
      onError: (error, context) => {
        consumerMetrics.errors.inc(identityLabels);
        this.logger.error({
          msg: 'identity event not applied',
          err: (error as Error).message,
          partition: context?.partition,
          offset: context?.offset,
        });
      },
    });
    await this.identity.start();
    void barrier.warmUp(() => this.stopped);

    this.keys = new VerificationKeys(this.view, config.auth);
    this.keys.start();
    this.algorithms = WorkspaceAlgorithms.overTcp(config.auth);
    this.algorithms.start();
    const dedupe = new DedupeStore();
    const processor = new RawBatchProcessor(this.dataSource, this.view, this.keys, this.algorithms, barrier, dedupe, {
      groupId: config.groupId,
      issuer: config.tokenIssuer,
      policy: { maxFutureMs: config.maxFutureMs, maxPastMs: config.maxPastMs },
      identityGraceMs: config.identityGraceMs,
      identityWaitMs: config.identityWaitMs,
    });
    this.raw = new RawEventsConsumer(this.kafka, this.dataSource, processor, dedupe, this.metrics, config, (now) =>
      this.view.pruneClosures(this.dataSource, new Date(now.getTime() - CLOSED_SESSION_GRACE_MS)),
    );
    await this.raw.start();

    const warn = (error: unknown) => this.logger.warn({ msg: 'lag not measured', err: (error as Error).message });
    this.lag = [
      // tracking.raw's offsets are committed in Kafka, by the transactions.
      startLagCollector(this.kafka, { group: config.groupId, topic: topics.raw }, config.lagIntervalMs, warn),
      startLagCollector(
        this.kafka,
        {
          group: config.identityGroupId,
          topic: topics.identity,
          positions: async () => {
            const checkpoints = await readCheckpoints(this.dataSource, 'tracking', config.identityGroupId, topics.identity);
            return new Map([...checkpoints].map(([partition, next]) => [partition, String(next)]));
          },
        },
        config.lagIntervalMs,
        warn,
      ),
    ];
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lag.map((l) => l.stop()));
    await this.raw?.stop();
    await this.identity?.stop();
    await this.barrier?.stop();
    await this.keys?.stop();
    await this.algorithms?.stop();
  }
}
