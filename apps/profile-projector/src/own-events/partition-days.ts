/*
 * Which day partitions of `own_events.events` should exist: pure, so the retention rule is
 * tested without a database. A partition holds one UTC day [day, day + 1) of `occurred_at`
 * and is named `events_<yyyymmdd>`.
 */

const DAY_MS = 86_400_000;
const NAME = /^events_(\d{4})(\d{2})(\d{2})$/;

/**
 * Days created ahead of today: an event may be up to the ingester's max future skew (5 min)
 * ahead, and a projector that cannot run its maintenance for a week still finds its partitions.
 */
export const PARTITIONS_AHEAD_DAYS = 7;
/** Days created behind today at every maintenance: the ingester accepts events up to 24 h old. */
export const PARTITIONS_BEHIND_DAYS = 2;

/** Midnight UTC of the day holding `instant`, in ms. */
export const dayStart = (instant: number): number => Math.floor(instant / DAY_MS) * DAY_MS;

export function partitionName(day: number): string {
  return `events_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day (midnight UTC, ms) a partition of ours holds, or null for any other table name. */
export function dayOfPartition(name: string): number | null {
  const match = NAME.exec(name);
  if (!match) return null;
  const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return partitionName(day) === name ? day : null;
}

/** The oldest instant retained: rows older than this are no longer served, and their whole days are dropped. */
export const retentionHorizon = (now: number, retentionDays: number): number => now - retentionDays * DAY_MS;

/**
 * What the maintenance does at `now`: create the days from PARTITIONS_BEHIND_DAYS ago to
 * PARTITIONS_AHEAD_DAYS ahead that are missing, and drop every partition whose whole day ends
 * at or before the retention horizon (so no row younger than the retention is ever dropped; a
 * row may outlive it by less than a day, and queries never serve it).
 */
export function partitionPlan(now: number, retentionDays: number, existing: readonly number[]): { create: number[]; drop: number[] } {
  const horizon = retentionHorizon(now, retentionDays);
  const have = new Set(existing);
  const today = dayStart(now);
  const create: number[] = [];
  for (let day = today - PARTITIONS_BEHIND_DAYS * DAY_MS; day <= today + PARTITIONS_AHEAD_DAYS * DAY_MS; day += DAY_MS) {
    if (!have.has(day) && day + DAY_MS > horizon) create.push(day);
  }
  const drop = existing.filter((day) => day + DAY_MS <= horizon).sort((a, b) => a - b);
  return { create, drop };
}

/** Whether an event at `occurredAt` is still inside the retention (older ones are not stored). */
export const isRetained = (occurredAt: number, now: number, retentionDays: number): boolean =>
  occurredAt >= retentionHorizon(now, retentionDays);
