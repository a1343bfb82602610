import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { KAFKA, startLagCollector } from '@idstream/runtime';
import { PROJECTOR_CONFIG, type ProjectorConfig } from '../config/projector.config';
import { DATA_SOURCE, readCheckpoints } from '@idstream/persistence';

/**
 * Consumer lag per partition of `identity.events` for /metrics, measured from the
 * database checkpoints (the consumer's truth; it does not commit offsets to Kafka).
 */
@Injectable()
export class ConsumerLagService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ConsumerLag');
  private collector?: { stop(): Promise<void> };

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { groupId, schema, topic } = this.config;
    this.collector = startLagCollector(
      this.kafka,
      {
        group: groupId,
        topic,
        positions: async () => {
          const checkpoints = await readCheckpoints(this.dataSource, schema, groupId, topic);
          return new Map([...checkpoints].map(([partition, next]) => [partition, String(next)]));
        },
      },
      this.config.lagIntervalMs,
      (error) => this.logger.warn({ msg: 'lag not measured', err: (error as Error).message }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.collector?.stop();
  }
}
