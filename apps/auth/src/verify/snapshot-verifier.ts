import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import { ProfileRepository } from '../profile/profile.repository';
import { PROFILE_SNAPSHOT_VERSION } from '../profile/profile.state';

export interface SnapshotDifference {
  workspaceId: string;
  profileId: string;
  /** differs: the snapshot says something its stream does not (a failure); the others are a cold cache. */
  finding: 'differs' | 'missing' | 'older-shape';
  detail: string;
}

export interface VerificationReport {
  profiles: number;
  differences: SnapshotDifference[];
}

/**
 * Folds every profile stream of `auth.events` and compares the result with its snapshot in
 * `auth.profiles`. A missing snapshot or one of an older shape is only a cold cache (the next
 * load folds the stream); a snapshot that differs from the fold at the same shape is a defect.
 */
export async function verifySnapshots(manager: EntityManager): Promise<VerificationReport> {
  const streams: { stream_id: string; workspace_id: string }[] = await manager.query(
    `SELECT DISTINCT stream_id, workspace_id FROM auth.events
      WHERE stream_id NOT LIKE 'client:%' AND stream_id <> 'signing-keys' ORDER BY stream_id`,
  );
  const differences: SnapshotDifference[] = [];
  for (const { stream_id: profileId, workspace_id: workspaceId } of streams) {
    const folded = await ProfileRepository.loadFromStream(manager, workspaceId, profileId);
    const rows: { version: number; snapshot_version: number; state: unknown }[] = await manager.query(
      'SELECT version, snapshot_version, state FROM auth.profiles WHERE workspace_id = $1 AND profile_id = $2',
      [workspaceId, profileId],
    );
    const row = rows[0];
    const at = { workspaceId, profileId };
    if (!row) differences.push({ ...at, finding: 'missing', detail: `stream at version ${folded.version}` });
    else if (row.snapshot_version !== PROFILE_SNAPSHOT_VERSION)
      differences.push({ ...at, finding: 'older-shape', detail: `snapshot version ${row.snapshot_version}` });
    else if (row.version !== folded.version)
      differences.push({ ...at, finding: 'differs', detail: `snapshot at version ${row.version}, stream at ${folded.version}` });
    else if (!isDeepStrictEqual(row.state, JSON.parse(JSON.stringify(folded.state))))
      differences.push({ ...at, finding: 'differs', detail: `state at version ${row.version} is not the fold of the stream` });
  }
  return { profiles: streams.length, differences };
}
