import { Module } from '@nestjs/common';
import { EventProducer } from '@idstream/messaging';
import { TrackingController } from './tracking.controller';
import { TrackingIntake } from './tracking-intake.service';

/** `POST /v1/events`: verifies, checks each event, writes one `tracking.raw` record per request. */
@Module({
  controllers: [TrackingController],
  providers: [{ provide: TrackingIntake, inject: [EventProducer], useFactory: (producer: EventProducer) => new TrackingIntake(producer) }],
})
export class TrackingIntakeModule {}
