import { ClientApi } from './client/client';
import { invalidArgument } from './errors';
import { HttpTransport } from './http';
import { platformFetch, platformTimers, type FetchLike, type Timers } from './platform';
import { Session } from './session/session';
import { DocumentStore } from './storage/document-store';
import { localStorageAdapter, memoryStorage, type KeyValueStorage } from './storage/storage';
import { Tracker, type TrackerOptions } from './tracker/tracker';

export interface IdstreamOptions {
  /** The gateway, e.g. `https://id.example.com` (no path). */
  baseUrl: string;
  /** The workspace's client API key (public: it ships in apps). */
  apiKey: string;
  /** Default: the browser's localStorage when there is one, else memory (lost on restart). */
  storage?: KeyValueStorage;
  /** Default: the platform's global fetch. */
  fetch?: FetchLike;
  /** Default: Date.now. Epoch milliseconds. */
  now?: () => number;
  /** Refresh a token used this close to its expiry (default 1800 s, capped at half its lifetime). */
  refreshWindowSeconds?: number;
  tracker?: Partial<Omit<TrackerOptions, 'now' | 'timers'>>;
  /** A request without an answer by then fails with kind `network` (default 20,000 ms; 0 waits forever). */
  requestTimeoutMs?: number;
  /** Default: the platform's setTimeout/clearTimeout (tests inject their own). */
  timers?: Timers;
}

const TRACKER_DEFAULTS = { batchSize: 100, flushIntervalMs: 5000, maxQueueSize: 1000, maxBackoffMs: 60_000, flushAttempts: 5 };

/**
 * The SDK: `Idstream.init(...)` once per app. `client` holds Synerise's Client methods,
 * `tracker` the event queue.
 */
export class Idstream {
  readonly client: ClientApi;
  readonly tracker: Tracker;

  private constructor(options: IdstreamOptions) {
    const baseUrl = checkBaseUrl(options.baseUrl);
    if (typeof options.apiKey !== 'string' || options.apiKey.length === 0 || options.apiKey.length > 200) {
      throw invalidArgument('apiKey', 'must be the workspace client API key');
    }
    const now = options.now ?? (() => Date.now());
    const timers = options.timers ?? platformTimers;
    const storage = options.storage ?? defaultStorage();
    const store = new DocumentStore(storage, `idstream.${options.apiKey}.`);
    const requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
    if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 0)
      throw invalidArgument('requestTimeoutMs', 'must be a whole number of ms ≥ 0');
    const http = new HttpTransport(baseUrl, options.fetch ?? platformFetch(), timers, requestTimeoutMs);
    const refreshWindowSeconds = options.refreshWindowSeconds ?? 1800;
    if (!Number.isFinite(refreshWindowSeconds) || refreshWindowSeconds < 0)
      throw invalidArgument('refreshWindowSeconds', 'must be a number of seconds ≥ 0');
    const session = new Session(store, http, { apiKey: options.apiKey, now, refreshWindowMs: refreshWindowSeconds * 1000 });
    const trackerOptions = { ...TRACKER_DEFAULTS, ...(options.tracker ?? {}), now, timers };
    checkTrackerOptions(trackerOptions);
    this.tracker = new Tracker(store, http, session, trackerOptions);
    this.client = new ClientApi(http, session, () => this.tracker.flush());
  }

  static init(options: IdstreamOptions): Idstream {
    if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'must be { baseUrl, apiKey, ... }');
    const sdk = new Idstream(options);
    sdk.tracker.start();
    return sdk;
  }

  /** Stops background sending (queued events stay stored for the next init). */
  close(): void {
    this.tracker.stop();
  }
}

function checkBaseUrl(value: unknown): string {
  if (typeof value !== 'string' || !/^https?:\/\/[^/?#\s]+\/?$/.test(value)) {
    throw invalidArgument('baseUrl', 'must be an http(s) origin such as https://id.example.com');
  }
  return value.replace(/\/$/, '');
}

function checkTrackerOptions(options: Omit<TrackerOptions, 'now' | 'timers'>): void {
  const whole = (field: keyof typeof options, min: number, max: number) => {
    const value = options[field];
    if (!Number.isInteger(value) || value < min || value > max)
      throw invalidArgument(`tracker.${field}`, `must be a whole number from ${min} to ${max}`);
  };
  whole('batchSize', 1, 500);
  whole('flushIntervalMs', 0, 3_600_000);
  whole('maxQueueSize', 1, 1_000_000);
  whole('maxBackoffMs', 0, 3_600_000);
  whole('flushAttempts', 1, 1000);
}

function defaultStorage(): KeyValueStorage {
  try {
    if ((globalThis as { localStorage?: unknown }).localStorage) return localStorageAdapter();
  } catch {
    // localStorage can throw on access (privacy modes): fall back to memory
  }
  return memoryStorage();
}
