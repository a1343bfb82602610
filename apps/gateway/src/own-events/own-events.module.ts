import { Module } from '@nestjs/common';
import { OwnEventsController } from './own-events.controller';

/** `GET /v1/account/events` (getEvents), forwarded to profile-projector's own-events store. */
@Module({ controllers: [OwnEventsController] })
export class OwnEventsModule {}
