import { Module } from '@nestjs/common';
import { EventProducer } from '@idstream/messaging';
import { TrackingController } from './tracking.controller';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { INTAKE_LIMITS, TrackingIntake } from './tracking-intake.service';

/** `POST /v1/events`: verifies, checks each event, writes one `tracking.raw` record per request. */
@Module({
  controllers: [TrackingController],
  providers: [
    {
      provide: TrackingIntake,
      inject: [EventProducer, GATEWAY_CONFIG],
      useFactory: (producer: EventProducer, config: GatewayConfig) =>
        new TrackingIntake(producer, INTAKE_LIMITS, config.topicNames.trackingRaw),
    },
  ],
})
export class TrackingIntakeModule {}
