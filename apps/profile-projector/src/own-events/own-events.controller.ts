import { Controller, Inject, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { fail, OwnEventsPatterns, type OwnEventsPage, type Reply } from '@idstream/contracts';
import { OwnEventsQueries } from './own-events.queries';

/** The projector's TCP handler for `GET /v1/account/events`; an unexpected failure is a 503 SERVICE_UNAVAILABLE (retryable), never a throw. */
@Controller()
export class OwnEventsController {
  private readonly logger = new Logger('OwnEventsQueries');

  constructor(@Inject(OwnEventsQueries) private readonly queries: OwnEventsQueries) {}

  @MessagePattern(OwnEventsPatterns.list)
  async list(@Payload() query: unknown): Promise<Reply<OwnEventsPage>> {
    try {
      return await this.queries.list(query);
    } catch (error) {
      this.logger.error({ msg: 'own events query failed', err: (error as Error).message });
      return fail('SERVICE_UNAVAILABLE', 'the own events store could not be queried; retry shortly', { retryAfter: 1 });
    }
  }
}
