import { Controller, Inject, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { fail, ProjectorPatterns, type Reply } from '@idstream/contracts';
import { isDatabaseUnavailable } from '@idstream/persistence';
import { ProfileQueries } from './profile.queries';
import type { ProfileView } from './profile.view';

/**
 * The projector's TCP handlers (docs/architecture.md §1a); the gateway calls them for the
 * backend profile routes. Every outcome is a Reply: an unexpected failure too
 * (QUERY_FAILED, retryable), so the gateway never waits on a thrown RPC error; a database
 * outage is SERVICE_UNAVAILABLE (503 with Retry-After).
 */
@Controller()
export class ProfileQueriesController {
  private readonly logger = new Logger('ProfileQueries');

  constructor(@Inject(ProfileQueries) private readonly queries: ProfileQueries) {}

  @MessagePattern(ProjectorPatterns.getProfile)
  getProfile(@Payload() query: unknown): Promise<Reply<ProfileView>> {
    return this.guard(() => this.queries.get(query));
  }

  @MessagePattern(ProjectorPatterns.findProfiles)
  findProfiles(@Payload() query: unknown): Promise<Reply<{ items: ProfileView[] }>> {
    return this.guard(() => this.queries.find(query));
  }

  private async guard<T>(run: () => Promise<Reply<T>>): Promise<Reply<T>> {
    try {
      return await run();
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        this.logger.warn({ msg: 'profile query refused: database unavailable', err: (error as Error).message });
        return fail('SERVICE_UNAVAILABLE', 'The profile read model is unavailable; retry shortly', { retryAfter: 1 });
      }
      this.logger.error({ msg: 'profile query failed', err: (error as Error).message });
      return fail('QUERY_FAILED', 'the profile read model could not be queried', { retryAfter: 1 });
    }
  }
}
