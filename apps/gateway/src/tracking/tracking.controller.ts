import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { TRACKING_SCOPE, type Caller, type RequestMeta, type TrackingRawBatch } from '@idstream/contracts';
import { ItemisedBody } from '../http/input-inspection.hook';
import { ProblemError } from '../http/problem';
import { CurrentCaller, Meta, type GatewayRequest } from '../http/request-context';
import { AnyToken } from '../security/access.decorators';
import { bearerCredential } from '../security/jwt-shape';
import { parseTrackingBody, type RejectedAtIntake } from './tracking-body.parse';
import { TrackingIntake } from './tracking-intake.service';

export interface TrackingAccepted {
  /** Events handed to the ingester (which re-checks them; see docs/tracking.md). */
  accepted: number;
  rejected: RejectedAtIntake[];
}

/** `POST /v1/events` (docs/tracking.md): signed client events into `tracking.raw`. */
@Controller('v1/events')
export class TrackingController {
  constructor(@Inject(TrackingIntake) private readonly intake: TrackingIntake) {}

  @Post()
  @ItemisedBody()
  @HttpCode(202)
  @AnyToken(TRACKING_SCOPE)
  async track(
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Meta() meta: RequestMeta,
    @Req() request: GatewayRequest,
  ): Promise<TrackingAccepted> {
    const receivedAt = new Date().toISOString();
    const parsed = parseTrackingBody(body);
    if (!parsed.ok) throw new ProblemError('VALIDATION_FAILED', parsed.message, { errors: parsed.errors });
    // The guard verified this very credential; the ingester verifies it again from the record.
    const token = bearerCredential(request.headers.authorization);
    if (token === null) throw new ProblemError('UNAUTHORIZED', 'This route takes Authorization: Bearer <access token>');
    const record: TrackingRawBatch = {
      schemaVersion: 1,
      requestId: meta.requestId,
      deviceUuid: caller.uuid,
      receivedAt,
      sentAt: parsed.sentAt,
      token,
      events: parsed.events,
    };
    await this.intake.write(caller.uuid, JSON.stringify(record), meta.requestId);
    return { accepted: parsed.events.length, rejected: parsed.rejected };
  }
}
