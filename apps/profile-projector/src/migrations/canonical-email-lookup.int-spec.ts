import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@idstream/persistence';
import { CapturingLogger, createTestDatabase } from '@idstream/testing';
import { ConsumerStore1764400000000 } from './1764400000000-consumer-store';
import { ProfileReadModel1764500000000 } from './1764500000000-profile-read-model';
import { projectorMigrations } from './projector.migrations';

describe('migration CanonicalEmailLookup (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let migrated: DataSource;
  const logger = new CapturingLogger();
  const emails: [string, string][] = [
    ['p-nfc', '\u00e9lodie@example.com'],
    ['p-nfd', 'e\u0301lodie@Example.com'],
    ['p-idn', 'Anna@B\u00fccher.DE'],
    ['p-kelvin', '\u212Aate@example.com'],
  ];

  before(async () => {
    db = await createTestDatabase('canonical_lookup');
    const old = await openDataSource({
      url: db.url,
      schema: 'profiles',
      migrations: [ConsumerStore1764400000000, ProfileReadModel1764500000000],
    });
    for (const [profileId, email] of emails) {
      await old.query(
        `INSERT INTO profiles.profiles (workspace_id, profile_id, kind, status, email, created_at, updated_at)
         VALUES ('w1', $1, 'customer', 'active', $2, now(), now())`,
        [profileId, email],
      );
    }
    await old.destroy();
    Logger.overrideLogger(logger);
    migrated = await openDataSource({ url: db.url, schema: 'profiles', migrations: projectorMigrations });
  });

  after(async () => {
    Logger.overrideLogger(false);
    await migrated?.destroy();
    await db?.drop();
  });

  it('fills email_canonical, keeps the email as given, and reports the colliding profiles by id', async () => {
    const rows: { profile_id: string; email: string; email_canonical: string | null }[] = await migrated.query(
      'SELECT profile_id, email, email_canonical FROM profiles.profiles ORDER BY profile_id',
    );
    assert.deepEqual(rows, [
      { profile_id: 'p-idn', email: 'Anna@B\u00fccher.DE', email_canonical: 'anna@xn--bcher-kva.de' },
      { profile_id: 'p-kelvin', email: '\u212Aate@example.com', email_canonical: null },
      { profile_id: 'p-nfc', email: '\u00e9lodie@example.com', email_canonical: '\u00e9lodie@example.com' },
      { profile_id: 'p-nfd', email: 'e\u0301lodie@Example.com', email_canonical: '\u00e9lodie@example.com' },
    ]);
    const collision = logger.lines.find((l) => JSON.stringify(l).includes('email collision')) as { profileIds: string[] } | undefined;
    assert.deepEqual(collision?.profileIds, ['p-nfc', 'p-nfd']);
    assert.ok(!JSON.stringify(logger.lines).includes('lodie'), 'the log names no address');
  });
});
