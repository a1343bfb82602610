import { Gauge, Histogram } from 'prom-client';
import * as crypto from '@idstream/crypto';
import { metricsRegistry } from '@idstream/runtime';

/**
 * PBKDF2 runs on libuv's thread pool (UV_THREADPOOL_SIZE threads, see config/threadpool.ts):
 * operations beyond the pool's size wait in its queue. These wrappers are what auth's
 * handlers call, so every hash and verify is counted in flight and timed (queueing included).
 */
const inFlight = new Gauge({
  name: 'idstream_auth_pbkdf2_in_flight',
  help: 'PBKDF2 operations submitted to the libuv pool and not yet done (running plus queued)',
  labelNames: ['operation'],
  registers: [metricsRegistry],
});
const seconds = new Histogram({
  name: 'idstream_auth_pbkdf2_seconds',
  help: 'Time from submitting a PBKDF2 operation to its result (queue wait plus hashing)',
  labelNames: ['operation'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
new Gauge({
  name: 'idstream_auth_pbkdf2_pool_size',
  help: 'Threads in the libuv pool that PBKDF2 shares (UV_THREADPOOL_SIZE)',
  registers: [metricsRegistry],
  collect() {
    this.set(Number(process.env.UV_THREADPOOL_SIZE ?? 4));
  },
});

async function measured<T>(operation: 'hash' | 'verify', work: () => Promise<T>): Promise<T> {
  inFlight.inc({ operation });
  const stop = seconds.startTimer({ operation });
  try {
    return await work();
  } finally {
    stop();
    inFlight.dec({ operation });
  }
}

export const hashPassword: typeof crypto.hashPassword = (...args) => measured('hash', () => crypto.hashPassword(...args));
export const verifyPassword: typeof crypto.verifyPassword = (...args) => measured('verify', () => crypto.verifyPassword(...args));
