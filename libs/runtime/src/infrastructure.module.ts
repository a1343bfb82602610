import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { EventProducer, createKafka, ensureTopics, kafkaReachable, type TopicSpec } from '@idstream/messaging';
import type { ReadinessCheck } from './health';

/** Injection tokens of the shared adapters. (The database is `DatabaseModule` in libs/persistence.) */
export const KAFKA = Symbol('KAFKA');
export const INFRA_SETTINGS = Symbol('INFRA_SETTINGS');

export interface InfrastructureSettings {
  app: string;
  kafkaBrokers: string[];
  /** Topics this app creates at start when missing. */
  topics: TopicSpec[];
}

/** Closes the shared producer last, after every module stopped using it. */
@Injectable()
class InfrastructureShutdown implements OnApplicationShutdown {
  constructor(@Inject(EventProducer) private readonly producer: EventProducer) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * The adapters every app shares: its Kafka client and idempotent producer and its topics. An
 * app that owns a schema adds `DatabaseModule` (libs/persistence); this module loads no
 * database code, so the gateway carries none.
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
        InfrastructureShutdown,
      ],
      exports: [KAFKA, EventProducer, INFRA_SETTINGS],
    };
  }
}

/** Readiness: Kafka answers (an app with a database adds `databaseCheck` from libs/persistence). */
export function infrastructureChecks(kafka: Kafka): ReadinessCheck[] {
  return [{ name: 'kafka', check: () => kafkaReachable(kafka) }];
}
