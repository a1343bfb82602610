import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Message } from 'kafkajs';
import { Topics } from '@idstream/contracts';
import { EventProducer, TRACEPARENT, isSampledTraceparent, traceIdsOf } from '@idstream/messaging';
import { ProblemError } from '../http/problem';

/**
 * The bounds of the intake. Constants for now: making them settings means a gateway config
 * change (gateway.config.ts belongs to the gateway as a whole).
 */
export interface IntakeLimits {
  maxInFlight: number;
  maxQueuedBytes: number;
  maxRecordBytes: number;
  maxSendBytes: number;
  maxSendRecords: number;
  ackTimeoutMs: number;
  retryAfterSeconds: number;
}

export const INTAKE_LIMITS: Readonly<IntakeLimits> = Object.freeze({
  /** Requests admitted and not yet answered by Kafka; one more gets 503. */
  maxInFlight: 2000,
  /** Bytes of records admitted and not yet acknowledged; a record that would pass it gets 503. */
  maxQueuedBytes: 64 * 1_048_576,
  /**
   * The largest `tracking.raw` record: what fits one Kafka record batch under the broker's
   * default `message.max.bytes` (1,048,588) with room for the batch header, key and headers.
   */
  maxRecordBytes: 1_040_000,
  /** One produce request carries at most this much (a send array, kafkajs has no linger). */
  maxSendBytes: 900_000,
  maxSendRecords: 1000,
  /** A request waits at most this long for Kafka's acknowledgement, then gets 503 (its record may still land). */
  ackTimeoutMs: 10_000,
  retryAfterSeconds: 1,
});

interface Pending {
  message: Message;
  bytes: number;
  settle(error?: unknown): void;
}

/**
 * Writes one `tracking.raw` record per accepted request and resolves once Kafka acknowledged it
 * (acks=all, idempotent producer). Records of concurrent requests share produce requests: while
 * one send is in flight the next records queue, and the queue goes out as one array, so
 * throughput grows with load instead of each request paying a round trip in turn.
 *
 * Under overload (too many requests waiting, or too many bytes queued) a request is refused at
 * once with 503 and Retry-After, so memory stays bounded. Waiting for Kafka is bounded too: a
 * 503 after `ackTimeoutMs` is safe because clients retry with the same event ids and the
 * ingester drops duplicates.
 */
@Injectable()
export class TrackingIntake {
  private readonly logger = new Logger('TrackingIntake');
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private queuedBytes = 0;
  private sending = false;

  constructor(
    @Inject(EventProducer) private readonly producer: EventProducer,
    private readonly limits: Readonly<IntakeLimits> = INTAKE_LIMITS,
    private readonly rawTopic: string = Topics.trackingRaw,
  ) {}

  /** Requests admitted and not yet settled (for tests and metrics). */
  get pending(): number {
    return this.inFlight;
  }

  /** `traceparent`: the request's (RequestMeta); only a sampled one goes into the record's headers, for the ingester to continue. */
  async write(key: string, value: string, requestId: string, traceparent?: string): Promise<void> {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > this.limits.maxRecordBytes) {
      throw new ProblemError(
        'BODY_TOO_LARGE',
        `The accepted events take ${bytes} bytes; a request may carry at most ${this.limits.maxRecordBytes}`,
      );
    }
    if (this.inFlight >= this.limits.maxInFlight || this.queuedBytes + bytes > this.limits.maxQueuedBytes) {
      throw new ProblemError('OVERLOADED', 'Tracking intake is overloaded; retry later with the same event ids', {
        retryAfter: this.limits.retryAfterSeconds,
      });
    }
    this.inFlight++;
    this.queuedBytes += bytes;
    let timer: NodeJS.Timeout | undefined;
    const headers = isSampledTraceparent(traceparent)
      ? { 'request-id': requestId, [TRACEPARENT]: traceparent }
      : { 'request-id': requestId };
    const acknowledged = new Promise<void>((resolve, reject) => {
      this.queue.push({
        message: { key, value, headers },
        bytes,
        settle: (error) => {
          this.inFlight--;
          this.queuedBytes -= bytes;
          if (error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error('send failed', { cause: error }));
        },
      });
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ack timeout')), this.limits.ackTimeoutMs);
    });
    this.pump();
    try {
      await Promise.race([acknowledged, timeout]);
    } catch (error) {
      this.logger.warn({ msg: 'tracking batch not acknowledged', requestId, ...traceIdsOf(traceparent), err: (error as Error).message });
      throw new ProblemError('SERVICE_UNAVAILABLE', 'Tracking events could not be stored; retry with the same event ids', {
        retryAfter: this.limits.retryAfterSeconds,
      });
    } finally {
      clearTimeout(timer);
      // A timed-out request's record may still be acknowledged later: no unhandled rejection then.
      acknowledged.catch(() => undefined);
    }
  }

  private pump(): void {
    if (this.sending || this.queue.length === 0) return;
    const batch: Pending[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < this.limits.maxSendRecords) {
      const next = this.queue[0]!;
      if (batch.length > 0 && bytes + next.bytes > this.limits.maxSendBytes) break;
      batch.push(this.queue.shift()!);
      bytes += next.bytes;
    }
    this.sending = true;
    void this.producer
      .send(
        this.rawTopic,
        batch.map((p) => p.message),
      )
      .then(
        () => batch.forEach((p) => p.settle()),
        (error: unknown) => batch.forEach((p) => p.settle(error ?? new Error('send failed'))),
      )
      .finally(() => {
        this.sending = false;
        this.pump();
      });
  }
}
