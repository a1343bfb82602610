import type { Kafka } from 'kafkajs';
import { readWholeTopics } from './topic-scan';

/** What a registered value is: it decides where the value may appear (nowhere, mostly). */
export type SecretKind =
  | 'password'
  | 'password-hash'
  | 'access-token'
  | 'one-time-token'
  | 'server-key'
  | 'admin-key'
  /** IDSTREAM_MASTER_KEYS and IDSTREAM_KEY_SERVICE_SECRET: in no log and on no topic, ever. */
  | 'master-key'
  | 'email'
  /** Other personal data (names, phone numbers): as emails, allowed where the contract carries it. */
  | 'personal';

/**
 * Topics (names without the prefix) where a kind may appear by design; logs allow none.
 * Emails are personal data, not secrets: identity.events may carry them by contract (they travel
 * sealed since crypto-shredding, docs/architecture.md §6a, which test/e2e/erasure.e2e-spec.ts
 * proves value by value), and a dead letter copies its source message. `tracking.raw` is internal
 * and holds the client's compact token so that the ingester verifies it again (docs/tracking.md).
 */
const ALLOWED_ON_TOPICS: Partial<Record<SecretKind, RegExp>> = {
  email: /^(identity\.events|dlq\..+)$/,
  personal: /^(identity\.events|dlq\..+)$/,
  'access-token': /^(tracking\.raw|dlq\..+)$/,
};

/** Shapes that are secret whoever used them (no registration needed). */
const SHAPES: { kind: string; pattern: RegExp; allowedOnTopics?: RegExp; logsOnly?: boolean }[] = [
  { kind: 'password-hash', pattern: /pbkdf2-sha256\$\d+\$/ },
  { kind: 'access-token', pattern: /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/, allowedOnTopics: /^(tracking\.raw|dlq\..+)$/ },
  { kind: 'email', pattern: /[\p{L}\p{N}._%+'-]+@(?:[\p{L}\p{N}-]+\.)+[\p{L}\p{N}-]{2,}/u, logsOnly: true },
];

export interface SecretHit {
  /** `log <process>#<line>` or `topic <name> <partition>:<offset>`. */
  where: string;
  kind: string;
  /** What the suite said the value was for, when it said. */
  label?: string;
  /** The value's first characters only: the report must not leak what it found. */
  value: string;
}

const masked = (value: string) => `${value.slice(0, 4)}…(${value.length} chars)`;

/**
 * The Secrets proof of issue 9: a suite registers every secret it handles (passwords, hashes,
 * tokens, one-time codes, server keys, emails), then scans every captured log line and every
 * message on every topic of its prefix. A value is found raw, lower-cased, JSON-escaped or
 * URL-encoded.
 */
export class SecretsScanner {
  private readonly values = new Map<string, { kind: SecretKind; label?: string }>();

  /** Registers a value; very short values are ignored (they would match by chance). */
  add(value: unknown, kind: SecretKind, label?: string): void {
    if (typeof value !== 'string' || value.length < 6) return;
    const known = this.values.get(value);
    if (!known || (label && !known.label)) this.values.set(value, { kind, label: label ?? known?.label });
  }

  get size(): number {
    return this.values.size;
  }

  /** Registers the secrets of a request or response body by their field names (nested too). */
  addFromBody(body: unknown, depth = 0): void {
    if (!body || typeof body !== 'object' || depth > 6) return;
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value === 'string') {
        const kind = kindOfField(key, value);
        if (kind) this.add(value, kind);
      } else this.addFromBody(value, depth + 1);
    }
  }

  /** The hits in one text; `topic` is the topic name without prefix, or absent for a log line. */
  scanText(where: string, text: string, topic?: string): SecretHit[] {
    const hits: SecretHit[] = [];
    const lower = text.toLowerCase();
    for (const [value, { kind, label }] of this.values) {
      const allowed = topic !== undefined && ALLOWED_ON_TOPICS[kind]?.test(topic);
      if (!allowed && variants(value).some((v) => lower.includes(v))) hits.push({ where, kind, label, value: masked(value) });
    }
    for (const shape of SHAPES) {
      if (topic !== undefined && (shape.logsOnly || shape.allowedOnTopics?.test(topic))) continue;
      const found = shape.pattern.exec(text);
      if (found) hits.push({ where, kind: `${shape.kind} (shape)`, value: masked(found[0]) });
    }
    return hits;
  }

  /** Scans captured log lines; lines dropped by the capture's bound are a hit too (unscanned). */
  scanLogs(logs: { name: string; lines: readonly string[]; droppedLines?: number }[]): SecretHit[] {
    const hits: SecretHit[] = [];
    for (const log of logs) {
      if (log.droppedLines) hits.push({ where: `log ${log.name}`, kind: 'unscanned', value: `${log.droppedLines} lines dropped` });
      log.lines.forEach((line, i) => hits.push(...this.scanText(`log ${log.name}#${i + 1}`, line)));
    }
    return hits;
  }

  /**
   * Scans every message (key, value, headers) of every topic named `<prefix>…`, all partitions
   * from offset 0; also says how much it read, so that a caller can refuse a vacuous scan.
   */
  async scanTopics(kafka: Kafka, prefix: string): Promise<{ hits: SecretHit[]; topics: number; messages: number }> {
    const hits: SecretHit[] = [];
    const topics = await readWholeTopics(kafka, prefix);
    for (const { topic, messages } of topics) {
      const name = topic.slice(prefix.length);
      for (const m of messages) {
        const text = `${m.key ?? ''} ${m.value ?? ''} ${JSON.stringify(m.headers)}`;
        hits.push(...this.scanText(`topic ${name} ${m.partition}:${m.offset}`, text, name));
      }
    }
    return { hits, topics: topics.length, messages: topics.reduce((n, t) => n + t.messages.length, 0) };
  }
}

/** Fails with a readable list of hits (masked), or does nothing. */
export function assertNoSecrets(hits: SecretHit[], what = 'logs and topics'): void {
  if (hits.length === 0) return;
  const listed = hits.slice(0, 30).map((h) => `  ${h.kind}${h.label ? ` (${h.label})` : ''} ${h.value} in ${h.where}`);
  throw new Error(`${hits.length} secret(s) found in ${what}:\n${listed.join('\n')}${hits.length > 30 ? '\n  …' : ''}`);
}

function variants(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...forms].map((f) => f.toLowerCase());
}

function kindOfField(key: string, value: string): SecretKind | undefined {
  const name = key.toLowerCase();
  if (name.includes('password')) return value.startsWith('pbkdf2-') ? 'password-hash' : 'password';
  if (name === 'serverkey') return 'server-key';
  // Only an address is an email: a setting such as `emailConfusables: "refuse"` is not personal data.
  if (name.includes('email')) return value.includes('@') ? 'email' : undefined;
  // A 6-digit PIN is not registered: as a substring it would match timestamps and offsets by chance.
  if (name.includes('token')) return value.startsWith('eyJ') ? 'access-token' : 'one-time-token';
  return undefined;
}
