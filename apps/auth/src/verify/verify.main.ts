import { openDataSource } from '@idstream/persistence';
import { loadAuthConfig } from '../config/auth.config';
import { authMigrations } from '../migrations/auth.migrations';
import { verifySnapshots } from './snapshot-verifier';

/**
 * `npm run auth:verify`: folds every profile stream in auth's database (DATABASE_URL) and
 * reports each profile whose snapshot differs from the fold. Exit 1 when one does; missing
 * snapshots and snapshots of an older shape are listed but are no failure (a cache may be cold).
 */
async function main(): Promise<void> {
  const config = loadAuthConfig();
  const dataSource = await openDataSource({ url: config.databaseUrl, schema: 'auth', migrations: authMigrations, poolSize: 2 });
  try {
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
