import { Controller, Get, Inject, Query } from '@nestjs/common';
import { OwnEventsPatterns, checkOwnEventsQuery, type Caller, type ListOwnEventsQuery, type OwnEventsPage } from '@idstream/contracts';
import { ProblemError } from '../http/problem';
import { CurrentCaller } from '../http/request-context';
import { ProjectorClient } from '../rpc/rpc.clients';
import { Customer } from '../security/access.decorators';
import { OwnEventsQueryDto } from './own-events.dto';

/**
 * getEvents: the signed-in customer's own accepted tracking events, newest first, from every
 * device linked to the profile (answered by profile-projector's own-events store). The session
 * is checked twice, as on the account routes: by the token guard (the revocation view) and by
 * the store that answers (its own record of closed sessions).
 */
@Controller('v1/account/events')
export class OwnEventsController {
  constructor(@Inject(ProjectorClient) private readonly projector: ProjectorClient) {}

  @Get()
  @Customer('account:read')
  async list(@Query() params: OwnEventsQueryDto, @CurrentCaller() caller: Caller): Promise<OwnEventsPage> {
    const query: ListOwnEventsQuery = {
      workspaceId: caller.workspaceId,
      profileId: caller.subject,
      sessionId: caller.sessionId,
      from: params.from,
      ...(params.to !== undefined ? { to: params.to } : {}),
      ...(params.types !== undefined ? { types: params.types.split(',') } : {}),
      ...(params.limit !== undefined ? { limit: Number(params.limit) } : {}),
      ...(params.cursor !== undefined ? { cursor: params.cursor } : {}),
    };
    // The window is refused here already (no call): over 90 days, reversed, a time that does not exist.
    const checked = checkOwnEventsQuery(query, Date.now());
    if (!checked.ok) {
      throw new ProblemError('VALIDATION_FAILED', checked.errors.map((e) => e.message).join('; '), { errors: checked.errors });
    }
    return this.projector.call<OwnEventsPage>(OwnEventsPatterns.list, query);
  }
}
