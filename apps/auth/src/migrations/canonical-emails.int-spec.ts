import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { openDataSource } from '@idstream/persistence';
import { CapturingLogger, createTestDatabase } from '@idstream/testing';
import { EventStore1764400000000 } from './1764400000000-event-store';
import { Identity1764400001000 } from './1764400001000-identity';
import { authMigrations } from './auth.migrations';

describe('migration CanonicalEmails (real PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let migrated: DataSource;
  const logger = new CapturingLogger();
  const NFC = '\u00e9lodie@example.com';
  const NFD = 'e\u0301lodie@example.com';
  const IDN = 'Anna@B\u00fccher.DE';
  const KELVIN = '\u212Aate@example.com';

  before(async () => {
    db = await createTestDatabase('canonical_emails');
    // The schema as it was before: keys are lower(email).
    const old = await openDataSource({ url: db.url, schema: 'auth', migrations: [EventStore1764400000000, Identity1764400001000] });
    const rows: [string, string][] = [
      ['p-nfc', NFC],
      ['p-nfd', NFD],
      ['p-idn', IDN],
      ['p-kelvin', KELVIN],
    ];
    for (const [profileId, email] of rows) {
      await old.query('INSERT INTO auth.profiles (workspace_id, profile_id, version, state) VALUES ($1, $2, 1, $3::jsonb)', [
        'w1',
        profileId,
        JSON.stringify({ profileId, kind: 'account', email }),
      ]);
      await old.query('INSERT INTO auth.emails (workspace_id, email_lower, profile_id) VALUES ($1, $2, $3)', [
        'w1',
        email.toLowerCase(),
        profileId,
      ]);
    }
    await old.destroy();
    Logger.overrideLogger(logger);
    migrated = await openDataSource({ url: db.url, schema: 'auth', migrations: authMigrations });
  });

  after(async () => {
    Logger.overrideLogger(false);
    await migrated?.destroy();
    await db?.drop();
  });

  it('re-keys an internationalised domain to its canonical A-label form', async () => {
    const rows: { email_lower: string }[] = await migrated.query("SELECT email_lower FROM auth.emails WHERE profile_id = 'p-idn'");
    assert.deepEqual(rows, [{ email_lower: 'anna@xn--bcher-kva.de' }]);
  });

  it('leaves both colliding rows as they were and reports them by profile id only', async () => {
    const rows: { profile_id: string; email_lower: string }[] = await migrated.query(
      "SELECT profile_id, email_lower FROM auth.emails WHERE profile_id IN ('p-nfc', 'p-nfd', 'p-kelvin') ORDER BY profile_id",
    );
    assert.deepEqual(rows, [
      { profile_id: 'p-kelvin', email_lower: KELVIN.toLowerCase() },
      { profile_id: 'p-nfc', email_lower: NFC },
      { profile_id: 'p-nfd', email_lower: NFD },
    ]);
    const collision = logger.lines.find((l) => JSON.stringify(l).includes('email collision')) as { profileIds: string[] } | undefined;
    assert.deepEqual(collision?.profileIds, ['p-nfc', 'p-nfd']);
    const uncanonical = logger.lines.find((l) => JSON.stringify(l).includes('without a canonical form')) as
      { profileIds: string[] } | undefined;
    assert.deepEqual(uncanonical?.profileIds, ['p-kelvin']);
    const text = JSON.stringify(logger.lines);
    for (const address of [NFC, NFD, IDN, KELVIN, 'lodie', 'anna', 'xn--bcher'])
      assert.ok(!text.includes(address), `the log names ${address}`);
  });
});
