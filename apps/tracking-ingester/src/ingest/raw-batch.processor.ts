import type { DataSource } from 'typeorm';
import { parseTrackingRawRecord, type TrackingRawRecord, type TrackingRejectCode } from '@idstream/contracts';
import { verifyAccessToken, type AccessTokenClaims, type KeySet, type TokenAlgorithm } from '@idstream/crypto';
import type { IdentityBarrier } from '../identity/identity.barrier';
import { deviceKey, type IdentityViewStore } from '../identity/identity-view.store';
import type { VerificationKeys } from '../keys/verification-keys';
import type { WorkspaceAlgorithms } from '../workspaces/workspace-algorithms';
import type { Claim, DedupeStore } from './dedupe.store';
import type { TimePolicy } from './event-time';
import { STAGE_OF, decideRecord, unreadableRecord, type Candidate, type InputRef, type Rejection, type TokenCheck } from './record.decide';

export interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface RawBatch {
  topic: string;
  partition: number;
  messages: readonly RawMessage[];
}

/**
 * A batch's decisions. The output messages are built from them a send at a time
 * (`messageChunks`), so that only one produce request's strings and buffers are alive at once.
 */
export interface BatchOutputs {
  accepted: Candidate[];
  rejected: Rejection[];
  /** Epoch ms the outputs were decided at: the time of their ids and of `rejectedAt`. */
  decidedAt: number;
  /** Rejections per code, for the metrics. */
  rejectCounts: Map<TrackingRejectCode, number>;
  /** Events in the batch's records (every one ends up accepted or rejected). */
  eventsIn: number;
  /** The latest receivedAt of the batch (epoch ms), for pruning by the stream's own time. */
  maxReceivedAt: number | null;
}

export interface ProcessorSettings {
  groupId: string;
  issuer: string;
  policy: TimePolicy;
  /** See IngesterConfig.identityGraceMs. */
  identityGraceMs: number;
  /** How long a batch waits for a first load of the workspaces' token algorithms before it is retried (IngesterConfig.identityWaitMs). */
  identityWaitMs: number;
}

interface Readable {
  input: InputRef;
  key: string | null;
  record: TrackingRawRecord;
}

/**
 * One batch of `tracking.raw` from one partition, from bytes to output messages: parse, wait
 * for the identity view, verify the tokens at their receivedAt (the algorithm pinned to the
 * workspace's: WorkspaceAlgorithms), load the sessions and device
 * links the batch needs, decide each record (record.decide.ts, pure), then — inside one
 * database transaction — claim the event ids (dedupe) and hand the outputs to `publish`, which
 * sends them in the caller's Kafka transaction. The database commits when `publish` returned;
 * the caller commits the Kafka transaction after that (dedupe.decide.ts says why this order).
 */
export class RawBatchProcessor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly view: IdentityViewStore,
    private readonly keys: VerificationKeys,
    private readonly algorithms: Pick<WorkspaceAlgorithms, 'whenLoaded' | 'accepts' | 'refreshAfterMiss'>,
    private readonly barrier: IdentityBarrier,
    private readonly dedupe: DedupeStore,
    private readonly settings: ProcessorSettings,
  ) {}

  async process(batch: RawBatch, publish: (outputs: BatchOutputs) => Promise<void>, clock: () => number = Date.now): Promise<BatchOutputs> {
    const startedAt = clock();
    const readable: Readable[] = [];
    const rejections: Rejection[] = [];
    let eventsIn = 0;
    for (const message of batch.messages) {
      const input: InputRef = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const key = message.key?.toString('utf8') ?? null;
      const parsed = parseTrackingRawRecord(message.value);
      if (parsed.ok) {
        readable.push({ input, key, record: parsed.record });
        eventsIn += parsed.record.events.length;
      } else {
        rejections.push(unreadableRecord(input, key, message.value, parsed.detail));
        eventsIn += 1;
      }
    }

    // An identity event committed just before a request was received may reach identity.events
    // a little later (the outbox relay): look at the topic no earlier than receivedAt + grace
    // (bounded by the grace from now, whatever an edge's clock says).
    const newest = readable.reduce((max, r) => Math.max(max, Date.parse(r.record.receivedAt)), 0);
    const lookAt = Math.min(Math.max(startedAt, newest + this.settings.identityGraceMs), startedAt + this.settings.identityGraceMs);
    if (lookAt > clock()) await new Promise((resolve) => setTimeout(resolve, lookAt - clock()));
    await this.barrier.caughtUp(Math.max(lookAt, startedAt));
    const keySet = await this.keys.keySet(this.dataSource);
    const tokens = await this.verifyAll(readable, keySet);
    const sessions = await this.view.closures(
      this.dataSource,
      tokens.flatMap((t) => (t.ok ? [t.claims.sid] : [])),
    );
    const links = await this.view.links(
      this.dataSource,
      readable.flatMap((r, i) => {
        const token = tokens[i]!;
        return token.ok && token.claims.role === 'anonymous' ? [{ workspaceId: token.claims.aud, deviceUuid: r.record.deviceUuid }] : [];
      }),
    );

    const candidates: Candidate[] = [];
    let maxReceivedAt: number | null = null;
    readable.forEach((r, i) => {
      const token = tokens[i]!;
      const decision = decideRecord({
        input: r.input,
        key: r.key,
        record: r.record,
        token,
        closure: token.ok ? sessions.get(token.claims.sid) : undefined,
        links: token.ok ? (links.get(deviceKey(token.claims.aud, r.record.deviceUuid)) ?? []) : [],
        policy: this.settings.policy,
      });
      candidates.push(...decision.candidates);
      rejections.push(...decision.rejections);
      const receivedAt = Date.parse(r.record.receivedAt);
      if (maxReceivedAt === null || receivedAt > maxReceivedAt) maxReceivedAt = receivedAt;
    });

    let outputs!: BatchOutputs;
    await this.dataSource.transaction(async (manager) => {
      const claims: Claim[] = candidates.map((c) => ({
        workspaceId: c.workspaceId,
        deviceUuid: c.deviceUuid,
        eventId: c.eventId,
        group: this.settings.groupId,
        partition: c.data.source.partition,
        offset: c.data.source.offset,
        index: c.index,
        receivedAt: c.receivedAt,
      }));
      const fresh = await this.dedupe.claim(manager, claims);
      const accepted: Candidate[] = [];
      const all = rejections;
      candidates.forEach((c, i) => {
        if (fresh[i]) accepted.push(c);
        else all.push(duplicateOf(c));
      });
      const rejectCounts = new Map<TrackingRejectCode, number>();
      for (const r of all) rejectCounts.set(r.code, (rejectCounts.get(r.code) ?? 0) + 1);
      outputs = { accepted, rejected: all, decidedAt: clock(), rejectCounts, eventsIn, maxReceivedAt };
      await publish(outputs);
    });
    return outputs;
  }

  /**
   * Verifies each record's token at its receivedAt, with the algorithm pinned to its workspace's
   * (records of one request share the work). The pin is decided on a loaded view only; a token
   * it refuses gets a reload of the view (at most every 2 s) and a second try, and when that
   * reload fails the batch fails (to be retried) rather than refuse on a stale view.
   */
  private async verifyAll(readable: readonly Readable[], keys: KeySet): Promise<TokenCheck[]> {
    if (readable.length === 0) return [];
    await this.algorithms.whenLoaded(this.settings.identityWaitMs);
    const first = await this.verifyEach(readable, keys);
    if (!first.some((v) => v.pinRefused)) return first.map((v) => v.check);
    const refreshed = await this.algorithms.refreshAfterMiss();
    if (refreshed === 'failed')
      throw new Error("the workspaces' token algorithms could not be reloaded to judge a token signed with another algorithm");
    if (refreshed === 'recent') return first.map((v) => v.check);
    const again = await this.verifyEach(
      readable.filter((_, i) => first[i]!.pinRefused),
      keys,
    );
    let next = 0;
    return first.map((v) => (v.pinRefused ? again[next++]!.check : v.check));
  }

  private verifyEach(readable: readonly Readable[], keys: KeySet): Promise<{ check: TokenCheck; pinRefused: boolean }[]> {
    const memo = new Map<string, Promise<{ check: TokenCheck; pinRefused: boolean }>>();
    return Promise.all(
      readable.map(({ record }) => {
        const key = `${record.receivedAt}|${record.token}`;
        let verified = memo.get(key);
        if (!verified) {
          let pinRefused = false;
          const acceptsAlgorithm = (alg: TokenAlgorithm, claims: AccessTokenClaims): boolean => {
            const accepted = this.algorithms.accepts(claims.aud, alg, claims.iat);
            if (!accepted) pinRefused = true;
            return accepted;
          };
          verified = verifyAccessToken(record.token, {
            keys,
            issuer: this.settings.issuer,
            now: new Date(record.receivedAt),
            acceptsAlgorithm,
          }).then((result) => ({
            check: result.ok
              ? { ok: true as const, claims: result.claims, kid: result.kid }
              : { ok: false as const, code: result.code, reason: result.reason },
            pinRefused: !result.ok && pinRefused,
          }));
          memo.set(key, verified);
        }
        return verified;
      }),
    );
  }
}

function duplicateOf(candidate: Candidate): Rejection {
  return {
    code: 'DUPLICATE_EVENT',
    stage: STAGE_OF.DUPLICATE_EVENT,
    detail: 'this event id was accepted before for this workspace and device',
    workspaceId: candidate.workspaceId,
    deviceUuid: candidate.deviceUuid,
    eventId: candidate.eventId,
    requestId: candidate.data.requestId,
    receivedAt: candidate.data.receivedAt,
    original: Buffer.from(JSON.stringify(candidate.raw), 'utf8'),
    source: candidate.data.source,
  };
}
