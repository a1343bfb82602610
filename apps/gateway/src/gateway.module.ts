import { Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HealthModule, InfrastructureModule, KAFKA, infrastructureChecks } from '@idstream/runtime';
import { GATEWAY_CONFIG, loadGatewayConfig } from './config/gateway.config';

const config = loadGatewayConfig();

/** Composition root of `gateway`, the only public HTTP server. */
@Module({
  imports: [
    InfrastructureModule.forApp({ app: 'gateway', kafkaBrokers: config.kafkaBrokers, topics: config.topics }),
    HealthModule.withChecks({ inject: [KAFKA], useFactory: (k: Kafka) => infrastructureChecks(k, null) }),
  ],
  providers: [{ provide: GATEWAY_CONFIG, useValue: config }],
})
export class GatewayModule {}
