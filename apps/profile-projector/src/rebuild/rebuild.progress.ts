/*
 * The rebuild's pure decisions: when the shadow read model has caught up.
 * Positions are next offsets (what a consumer reads next), per partition.
 */

export type Offsets = ReadonlyMap<number, bigint>;

/** What the shadow must reach: each partition's high watermark, where it has messages at all. */
export function watermarkTargets(ends: { partition: number; high: string; low: string }[]): Map<number, bigint> {
  const targets = new Map<number, bigint>();
  for (const { partition, high, low } of ends) if (BigInt(high) > BigInt(low)) targets.set(partition, BigInt(high));
  return targets;
}

/** Partitions where `positions` is still behind `targets` (a missing position is behind any target). */
export function behind(positions: Offsets, targets: Offsets): number[] {
  const late: number[] = [];
  for (const [partition, target] of targets) if ((positions.get(partition) ?? -1n) < target) late.push(partition);
  return late.sort((a, b) => a - b);
}

/** Messages still to read before every target is reached. */
export function remaining(positions: Offsets, targets: Offsets, lows: Offsets = new Map()): bigint {
  let total = 0n;
  for (const [partition, target] of targets) {
    const at = positions.get(partition) ?? lows.get(partition) ?? 0n;
    if (target > at) total += target - at;
  }
  return total;
}
