import { openDataSource } from '@idstream/persistence';
import { loadConfigOrExit, readCommonConfig } from '@idstream/runtime';
import { readMasterKeys } from '../config/auth.config';
import { ProfileDataKeys } from '../event-store/data-keys';
import { useStreamKeys } from '../event-store/sealed-events';
import { authMigrations } from '../migrations/auth.migrations';
import { verifySnapshots } from './snapshot-verifier';

/**
 * `npm run auth:verify`: folds every profile stream in auth's database (DATABASE_URL; the
 * profiles' data keys open with IDSTREAM_MASTER_KEYS) and
 * reports each profile whose snapshot differs from the fold. Exit 1 when one does; missing
 * snapshots and snapshots of an older shape are listed but are no failure (a cache may be cold).
 */
async function main(): Promise<void> {
  // DATABASE_URL and IDSTREAM_MASTER_KEYS only: the streams' sealed fields open with the profiles' data keys.
  const config = loadConfigOrExit('auth:verify', () => ({
    databaseUrl: readCommonConfig(process.env).databaseUrl,
    masterKeys: readMasterKeys(process.env),
  }));
  const dataSource = await openDataSource({ url: config.databaseUrl, schema: 'auth', migrations: authMigrations, poolSize: 2 });
  try {
    useStreamKeys(new ProfileDataKeys(dataSource, config));
    const report = await verifySnapshots(dataSource.manager);
    for (const d of report.differences) process.stdout.write(`${d.finding}\t${d.workspaceId}\t${d.profileId}\t${d.detail}\n`);
    const failures = report.differences.filter((d) => d.finding === 'differs').length;
    process.stdout.write(`auth:verify: ${report.profiles} profiles folded, ${failures} snapshots differ\n`);
    process.exitCode = failures > 0 ? 1 : 0;
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`auth:verify: ${(error as Error).message}\n`);
  process.exitCode = 2;
});
