import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { IdentityEvent } from '@idstream/contracts';
import { IdentityTail } from '@idstream/messaging';
import { KAFKA } from '@idstream/runtime';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { Revocations } from './revocations.service';
import { VerificationKeys } from './verification-keys.service';

/**
 * Events are stamped when the outbox relay publishes them, a little after they happened, and
 * clocks differ: the window reaches back this much further than the longest token lifetime.
 */
const WINDOW_MARGIN_MS = 5 * 60_000;
const PRUNE_EVERY_MS = 60_000;

/**
 * Feeds the gateway's in-memory views from identity.events: `SessionClosed` into the
 * revocations, `SigningKeyRotated` into the signing keys. At every start it reads only the
 * last MAX_ACCESS_TOKEN_TTL_SECONDS of the topic (a session closed earlier has no valid token
 * left), so a restarted gateway still rejects the tokens of sessions closed before it started,
 * and its start-up work is bounded by the token lifetime, not by the topic's history.
 */
@Injectable()
export class IdentityFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('IdentityFeed');
  private tail: IdentityTail | null = null;
  private isCaughtUp = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(Revocations) private readonly revocations: Revocations,
    @Inject(VerificationKeys) private readonly keys: VerificationKeys,
  ) {}

  /** True once the view holds every event published up to the gateway's start. */
  get caughtUp(): boolean {
    return this.isCaughtUp;
  }

  onApplicationBootstrap(): void {
    void this.startInBackground(500);
    this.timer = setInterval(() => {
      const now = new Date();
      this.revocations.prune(now);
      this.keys.set.prune(now);
    }, PRUNE_EVERY_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.tail?.stop();
  }

  handle(event: IdentityEvent): void {
    if (event.type === 'SessionClosed') this.revocations.fromEvent(event.data);
    else if (event.type === 'SigningKeyRotated') this.keys.onKeyRotated(event.data);
  }

  private async startInBackground(delayMs: number): Promise<void> {
    if (this.stopped) return;
    const windowMs = this.config.maxAccessTokenTtlSeconds * 1000 + WINDOW_MARGIN_MS;
    const tail = new IdentityTail(this.kafka, {
      windowMs,
      groupIdPrefix: 'gateway-identity-tail',
      topic: this.config.topicNames.identityEvents,
      handle: (event) => this.handle(event),
      onError: (error, context) => this.logger.warn({ msg: 'skipped an identity event', ...context, err: (error as Error).message }),
      // A dead tail would silently stop revocations: not ready until a new one caught up.
      onCrash: (error) => {
        if (this.tail !== tail) return;
        this.isCaughtUp = false;
        this.logger.error({ msg: 'identity.events tail crashed; restarting it', err: (error as Error).message });
        void tail
          .stop()
          .catch(() => undefined)
          .then(() => this.startInBackground(delayMs));
      },
    });
    this.tail = tail;
    try {
      const startedAt = Date.now();
      await tail.start();
      await tail.caughtUp();
      this.isCaughtUp = true;
      this.logger.log({
        msg: 'revocations and keys caught up with identity.events',
        windowMs,
        tookMs: Date.now() - startedAt,
        revokedSessions: this.revocations.list.size,
      });
    } catch (error) {
      await tail.stop().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn({ msg: 'identity.events tail failed to start; retrying', err: (error as Error).message, retryInMs: delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      return this.startInBackground(Math.min(delayMs * 2, 10_000));
    }
  }
}
