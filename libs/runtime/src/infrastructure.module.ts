import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { EventProducer, createKafka, ensureTopics, kafkaReachable, type TopicSpec } from '@idstream/messaging';
import { openDataSource, type DataSourceSettings } from '@idstream/persistence';
import type { ReadinessCheck } from './health';

/** Injection tokens of the shared adapters. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const KAFKA = Symbol('KAFKA');
export const INFRA_SETTINGS = Symbol('INFRA_SETTINGS');

export interface InfrastructureSettings {
  app: string;
  kafkaBrokers: string[];
  /** Topics this app creates at start when missing. */
  topics: TopicSpec[];
  /** The app's own PostgreSQL schema; omitted by apps that own nothing durable (gateway). */
  database?: { url: string; schema: string; migrations: DataSourceSettings['migrations']; poolSize?: number };
}

/** Closes the shared adapters last, after every module stopped using them. */
@Injectable()
class InfrastructureShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(EventProducer) private readonly producer: EventProducer,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource | null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * The adapters every app shares: its Kafka client and idempotent producer, its topics, its
 * database schema brought up to date by migrations, and the readiness checks on both.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forApp(settings: InfrastructureSettings): DynamicModule {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: INFRA_SETTINGS, useValue: settings },
        {
          provide: KAFKA,
          useFactory: (): Kafka =>
            createKafka({ brokers: settings.kafkaBrokers, clientId: `idstream-${settings.app}`, log: new Logger('Kafka') }),
        },
        {
          provide: EventProducer,
          inject: [KAFKA],
          useFactory: async (kafka: Kafka) => {
            await ensureTopics(kafka, settings.topics);
            const producer = new EventProducer(kafka);
            await producer.connect();
            return producer;
          },
        },
        {
          provide: DATA_SOURCE,
          useFactory: async (): Promise<DataSource | null> =>
            settings.database
              ? openDataSource({ ...settings.database, applicationName: `idstream-${settings.app}`, log: new Logger('Database') })
              : null,
        },
        InfrastructureShutdown,
      ],
      exports: [KAFKA, EventProducer, DATA_SOURCE, INFRA_SETTINGS],
    };
  }
}

/** Readiness: Kafka answers, and the database too when the app has one. */
export function infrastructureChecks(kafka: Kafka, dataSource: DataSource | null): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'kafka', check: () => kafkaReachable(kafka) }];
  if (dataSource) {
    checks.push({
      name: 'database',
      check: async () => {
        await dataSource.query('SELECT 1');
        return true;
      },
    });
  }
  return checks;
}
