import { uuidV4 } from '../platform';
import { identityKey } from '../session/session.document';
import type { DocumentStore } from '../storage/document-store';
import { EMPTY_INDEX, EMPTY_SEGMENT, type QueueIndex, type QueuedEvent, type Segment } from './queue';

const INDEX = 'queue';
const segmentName = (id: string) => `queue.${id}`;

/**
 * The event queue on the SDK's storage: an index of segments of at most `segmentSize` events.
 * Every operation reads and writes a few segments (documents of document-store.ts, so two
 * instances on one storage do not lose each other's writes), whatever the queue's length.
 */
export class QueueStore {
  constructor(
    private readonly store: DocumentStore,
    private readonly segmentSize: number,
  ) {}

  async index(): Promise<QueueIndex> {
    return this.store.read(INDEX, EMPTY_INDEX);
  }

  /** Appends to the last segment while it has room, then to new ones; drops the oldest beyond `max`. */
  async append(events: QueuedEvent[], max: number): Promise<number> {
    let rest = events;
    const index = await this.index();
    const last = index.segments.at(-1);
    if (last !== undefined) {
      const room = this.segmentSize - (await this.segment(last)).events.length;
      if (room > 0) {
        const head = rest.slice(0, room);
        rest = rest.slice(room);
        let appended = false;
        await this.store.update(segmentName(last), EMPTY_SEGMENT, (s) => {
          // A segment settled empty and removed meanwhile is not revived: its events go to a new one.
          appended = s.events.length > 0;
          return appended ? { events: [...s.events, ...head] } : s;
        });
        if (!appended) rest = [...head, ...rest];
      }
    }
    const added: string[] = [];
    for (let i = 0; i < rest.length; i += this.segmentSize) {
      const id = uuidV4();
      const chunk = rest.slice(i, i + this.segmentSize);
      await this.store.update(segmentName(id), EMPTY_SEGMENT, () => ({ events: chunk }));
      added.push(id);
    }
    if (added.length > 0) await this.store.update(INDEX, EMPTY_INDEX, (q) => ({ ...q, segments: [...q.segments, ...added] }));
    return this.enforceBound(max);
  }

  /** The oldest events of one identity, in order, up to `max`: one request carries one token. */
  async nextBatch(max: number): Promise<QueuedEvent[]> {
    const batch: QueuedEvent[] = [];
    let key: string | null = null;
    for (const id of (await this.index()).segments) {
      for (const event of (await this.segment(id)).events) {
        const eventKey = identityKey(event.identity);
        key ??= eventKey;
        if (eventKey !== key || batch.length >= max) return batch;
        batch.push(event);
      }
    }
    return batch;
  }

  /** Removes these events; counts them (or `count` of them) under one of the counters. */
  async settle(ids: Set<string>, counter?: 'undeliverable' | 'rejected', count = ids.size): Promise<void> {
    // A batch is the oldest events: walk from the first segment until every id was seen.
    const emptied: string[] = [];
    let seen = 0;
    for (const id of (await this.index()).segments) {
      if (seen >= ids.size) break;
      const segment = await this.segment(id);
      const matching = segment.events.reduce((n, e) => (ids.has(e.id) ? n + 1 : n), 0);
      seen += matching;
      if (segment.events.length === 0) emptied.push(id);
      if (matching === 0) continue;
      if (matching === segment.events.length && segment.events.length >= this.segmentSize) {
        // A full segment, all settled: it goes without being rewritten (append only fills a segment with room).
        emptied.push(id);
        continue;
      }
      const left = await this.store.update(segmentName(id), EMPTY_SEGMENT, (s) => ({ events: s.events.filter((e) => !ids.has(e.id)) }));
      if (left.events.length === 0) emptied.push(id);
    }
    await this.store.update(INDEX, EMPTY_INDEX, (q) => ({
      ...q,
      segments: q.segments.filter((s) => !emptied.includes(s)),
      ...(counter ? { [counter]: q[counter] + count } : {}),
    }));
    for (const id of emptied) await this.store.remove(segmentName(id));
  }

  async length(): Promise<number> {
    let total = 0;
    for (const id of (await this.index()).segments) total += (await this.segment(id)).events.length;
    return total;
  }

  private segment(id: string): Promise<Segment> {
    return this.store.read(segmentName(id), EMPTY_SEGMENT);
  }

  /** Drops the oldest events beyond `max` and counts them; returns the queue's length. */
  private async enforceBound(max: number): Promise<number> {
    const { segments } = await this.index();
    // No segment holds more than segmentSize events: far from the bound, nothing to count.
    if (segments.length * this.segmentSize <= max) return this.length();
    const lengths = await Promise.all(segments.map(async (id) => (await this.segment(id)).events.length));
    let total = lengths.reduce((sum, n) => sum + n, 0);
    let overflow = total - max;
    const removed: string[] = [];
    let dropped = 0;
    for (let i = 0; i < segments.length && overflow > 0; i++) {
      const id = segments[i]!;
      if (lengths[i]! <= overflow) {
        removed.push(id);
        overflow -= lengths[i]!;
        dropped += lengths[i]!;
      } else {
        const cut = overflow;
        await this.store.update(segmentName(id), EMPTY_SEGMENT, (s) => ({ events: s.events.slice(cut) }));
        dropped += cut;
        overflow = 0;
      }
    }
    if (dropped === 0) return total;
    await this.store.update(INDEX, EMPTY_INDEX, (q) => ({
      ...q,
      segments: q.segments.filter((s) => !removed.includes(s)),
      dropped: q.dropped + dropped,
    }));
    for (const id of removed) await this.store.remove(segmentName(id));
    total -= dropped;
    return total;
  }
}
