/**
 * De-duplication by (workspace, device, event id), made safe against the one gap in our
 * exactly-once: the database commit of the ids and the Kafka transaction of the outputs are not
 * atomic together. Each remembered id records the input position (group, partition, offset,
 * index) that first accepted it. The database commits first; if the process dies before the
 * Kafka transaction commits, that transaction is aborted (its outputs never become visible,
 * its input offsets stay uncommitted) and the same input is delivered again — and a claim from
 * the very position that wrote the row is then the first sighting again, not a duplicate.
 * Any other position holding the same id is a duplicate. Pure; the SQL is in dedupe.store.ts.
 */
export interface Sighting {
  workspaceId: string;
  deviceUuid: string;
  eventId: string;
  group: string;
  partition: number;
  offset: string;
  index: number;
}

export const sightingKey = (s: Pick<Sighting, 'workspaceId' | 'deviceUuid' | 'eventId'>): string =>
  `${s.workspaceId}\u0000${s.deviceUuid}\u0000${s.eventId}`;

/** Whether a remembered id was written by this very input position (a redelivery after a crash). */
export function samePosition(remembered: Omit<Sighting, 'workspaceId' | 'deviceUuid' | 'eventId'>, claim: Sighting): boolean {
  return (
    remembered.group === claim.group &&
    remembered.partition === claim.partition &&
    BigInt(remembered.offset) === BigInt(claim.offset) &&
    remembered.index === claim.index
  );
}

/**
 * Splits a batch's claims: the first claim of each id (in input order) goes to the store, the
 * later ones in the same batch are duplicates of it. Returns indexes into `claims`.
 */
export function firstOfEachId(claims: readonly Sighting[]): { first: number[]; repeats: number[] } {
  const seen = new Set<string>();
  const first: number[] = [];
  const repeats: number[] = [];
  claims.forEach((claim, i) => {
    const key = sightingKey(claim);
    if (seen.has(key)) repeats.push(i);
    else {
      seen.add(key);
      first.push(i);
    }
  });
  return { first, repeats };
}
