import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { TRACKING_SCOPE, type Caller, type RequestMeta, type TrackingRawBatch } from '@idstream/contracts';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ItemisedBody } from '../http/input-inspection.hook';
import { TrackingAcceptedResponse } from '../openapi/client-responses.schema';
import { Problems } from '../openapi/openapi.decorators';
import { TrackingBatchSchema, TrackingEventSchema } from '../openapi/tracking.schema';
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
@ApiTags('tracking')
@Controller('v1/events')
export class TrackingController {
  constructor(@Inject(TrackingIntake) private readonly intake: TrackingIntake) {}

  @Post()
  @ApiOperation({
    operationId: 'trackEvents',
    summary: 'Send tracking events',
    description: 'One event or a batch of up to 500; a bad event is rejected alone, in the answer.',
  })
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(TrackingEventSchema) }, { $ref: getSchemaPath(TrackingBatchSchema) }] },
    examples: {
      batch: {
        summary: 'A batch',
        value: {
          events: [
            {
              id: '0193a5c2-8a00-7c1d-8e2f-3a4b5c6d7e8f',
              type: 'screen.view',
              occurredAt: '2026-12-01T10:00:00.000Z',
              params: { screen: 'home' },
            },
          ],
          sentAt: '2026-12-01T10:00:05.000Z',
        },
      },
      single: { summary: 'One event', value: { id: '0193a5c2-8a00-7c1d-8e2f-3a4b5c6d7e90', type: 'cart.add', label: 'Blue mug' } },
    },
  })
  @ApiAcceptedResponse({ type: TrackingAcceptedResponse })
  @Problems('VALIDATION_FAILED', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'OVERLOADED')
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
    await this.intake.write(caller.uuid, JSON.stringify(record), meta.requestId, meta.traceparent);
    return { accepted: parsed.events.length, rejected: parsed.rejected };
  }
}
