/** Retry-After in seconds or as an HTTP date, in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

/**
 * The wait before attempt `failures + 1`: the server's Retry-After when it sent one (capped),
 * else exponential from 1 s, doubled per consecutive failure up to `maxMs`, plus up to 10 %
 * jitter so that devices coming back after an outage do not all retry at once.
 */
export function backoffMs(failures: number, retryAfter: number | null, maxMs: number, random: () => number = Math.random): number {
  if (retryAfter !== null) return Math.min(retryAfter, maxMs);
  const base = Math.min(maxMs, 1000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (1 + 0.1 * random()));
}
