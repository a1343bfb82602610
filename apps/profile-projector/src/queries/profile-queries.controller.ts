import { Controller, Inject, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { fail, ProjectorPatterns, type Reply } from '@idstream/contracts';
import { ProfileQueries } from './profile.queries';
import type { ProfileView } from './profile.view';

/**
 * The projector's TCP handlers (docs/architecture.md §1a); the gateway calls them for the
 * backend profile routes. Every outcome is a Reply: an unexpected failure too
 * (QUERY_FAILED, retryable), so the gateway never waits on a thrown RPC error.
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
      this.logger.error({ msg: 'profile query failed', err: (error as Error).message });
      return fail('QUERY_FAILED', 'the profile read model could not be queried', { retryAfter: 1 });
    }
  }
}
