import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import { uuidv7 } from '@idstream/contracts';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
import { readAuthConfig, type AuthConfig } from '../config/auth.config';
import { ProfileDataKeys } from '../event-store/data-keys';
import { EventStore } from '../event-store/event-store';
import { authMigrations } from '../migrations/auth.migrations';
import { ProfileCommands, type CommandContext } from './profile.commands.runner';
import { recordedOf, ProfileRepository } from './profile.repository';
import { fold, initialProfileState } from './profile.state';

/**
 * ProfileCommands against the real PostgreSQL: what a command costs in statements, and that
 * a command recorded without a transaction keeps the guarantees of one (the events, their
 * outbox rows and the snapshot together; a race with another replica retried on fresh state).
 */
describe('ProfileCommands on real PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;
  let config: AuthConfig;
  const workspaceId = 'ws-commands';
  /** The statements this process sent while `statements` is recording (START TRANSACTION and COMMIT included). */
  let recording: string[] | undefined;

  before(async () => {
    db = await createTestDatabase('auth_commands');
    dataSource = await openDataSource({ url: db.url, schema: 'auth', migrations: authMigrations });
    config = readAuthConfig({
      IDSTREAM_MASTER_KEYS: `test:${randomBytes(32).toString('base64')}`,
      IDSTREAM_KEY_SERVICE_SECRET: randomBytes(32).toString('base64url'),
    });
    new ProfileDataKeys(dataSource, config);
    // Every statement of TypeORM's PostgreSQL driver goes through its query runner's `query`.
    const runner = dataSource.createQueryRunner();
    const proto = Object.getPrototypeOf(runner) as { query: (this: QueryRunner, sql: string, ...rest: unknown[]) => Promise<unknown> };
    await runner.release();
    const query = proto.query;
    proto.query = function (this: QueryRunner, sql: string, ...rest: unknown[]) {
      recording?.push(sql.replace(/\s+/g, ' ').trim());
      return query.call(this, sql, ...rest);
    };
  });

  after(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const asStored = (state: unknown): unknown => JSON.parse(JSON.stringify(state));
  const context = (): CommandContext => ({ workspaceId, correlationId: randomUUID(), now: new Date() });
  const statementsOf = async <T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> => {
    recording = [];
    try {
      const result = await work();
      return { result, statements: recording };
    } finally {
      recording = undefined;
    }
  };

  /** An active account with one open session. */
  async function signedIn(commands: ProfileCommands): Promise<{ profileId: string; sessionId: string }> {
    const profileId = uuidv7();
    const sessionId = randomUUID();
    const registered = await commands.execute(context(), profileId, {
      type: 'RegisterAccount',
      email: `${profileId}@example.test`,
      passwordHash: 'hash',
      profile: { firstName: 'Ada' },
      agreements: {},
      attributes: {},
      deviceUuid: null,
      mode: 'automatic',
      confirmationExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
      pinExpiresAt: new Date(Date.now() + 900_000).toISOString(),
    });
    assert.equal(registered.error, undefined);
    const opened = await commands.execute(context(), profileId, {
      type: 'SignIn',
      passwordValid: true,
      verifiedHash: 'hash',
      rehashedPassword: null,
      sessionId,
      deviceUuid: null,
      sessionExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    assert.equal(opened.error, undefined);
    return { profileId, sessionId };
  }

  const rowsOf = async (profileId: string) => {
    const [events, outbox, snapshot] = await Promise.all([
      EventStore.load(dataSource.manager, profileId),
      dataSource.query<{ value: string }[]>(`SELECT value FROM auth.outbox WHERE message_key = $1 ORDER BY position`, [profileId]),
      dataSource.query<{ version: number; state: unknown }[]>('SELECT version, state FROM auth.profiles WHERE profile_id = $1', [
        profileId,
      ]),
    ]);
    return { events, outbox, snapshot: snapshot[0]! };
  };

  it('an account update that names no customId is the load and ONE statement (events, outbox, snapshot), no transaction', async () => {
    const commands = new ProfileCommands(dataSource, config);
    const { profileId, sessionId } = await signedIn(commands);
    const { result, statements } = await statementsOf(() =>
      commands.execute(context(), profileId, { type: 'UpdateAccount', sessionId, changes: { firstName: 'Grace' } }),
    );
    assert.equal(result.error, undefined);
    assert.equal(statements.length, 2, statements.join('\n'));
    assert.match(statements[0]!, /^SELECT p\.version/);
    assert.match(
      statements[1]!,
      /^WITH appended AS \(INSERT INTO auth\.events .* published AS \(INSERT INTO "auth"\.outbox .*INSERT INTO auth\.profiles/,
    );

    const { events, outbox, snapshot } = await rowsOf(profileId);
    assert.deepEqual(
      events.map((e) => e.type),
      ['UserRegistered', 'SessionOpened', 'AccountUpdated'],
    );
    assert.equal(outbox.length, 3, 'each event has its outbox row');
    assert.equal(snapshot.version, 3, 'the snapshot is at the stream head');
    assert.deepEqual(snapshot.state, asStored(fold(initialProfileState(profileId), events.map(recordedOf))));
    const loaded = await ProfileRepository.load(dataSource.manager, workspaceId, profileId);
    assert.equal(loaded.state.kind === 'active' && loaded.state.profile.firstName, 'Grace', 'read-your-write from the write model');
  });

  it("a session on a device: its link to the profile is written in the session's one statement", async () => {
    const commands = new ProfileCommands(dataSource, config);
    const { profileId } = await signedIn(commands);
    const deviceUuid = randomUUID();
    await dataSource.query('INSERT INTO auth.clients (workspace_id, uuid) VALUES ($1, $2)', [workspaceId, deviceUuid]);
    const { result, statements } = await statementsOf(() =>
      commands.execute(context(), profileId, {
        type: 'SignIn',
        passwordValid: true,
        verifiedHash: 'hash',
        rehashedPassword: null,
        sessionId: randomUUID(),
        deviceUuid,
        sessionExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    );
    assert.equal(result.error, undefined);
    assert.equal(statements.length, 2, statements.join('\n'));
    assert.match(statements[1]!, /UPDATE auth\.clients SET profile_id/);
    const linked: { profile_id: string }[] = await dataSource.query('SELECT profile_id FROM auth.clients WHERE uuid = $1', [deviceUuid]);
    assert.deepEqual(
      linked.map((r) => r.profile_id),
      [profileId],
    );
  });

  it('an update that names a customId claims it in a transaction; later updates keep it', async () => {
    const commands = new ProfileCommands(dataSource, config);
    const { profileId, sessionId } = await signedIn(commands);
    const customId = `c-${randomUUID()}`;
    const { statements } = await statementsOf(() =>
      commands.execute(context(), profileId, { type: 'UpdateAccount', sessionId, changes: { customId } }),
    );
    assert.ok(statements.includes('START TRANSACTION') && statements.includes('COMMIT'), statements.join('\n'));
    await commands.execute(context(), profileId, { type: 'UpdateAccount', sessionId, changes: { firstName: 'Lin' } });
    const held: { profile_id: string }[] = await dataSource.query('SELECT profile_id FROM auth.custom_ids WHERE custom_id = $1', [
      customId,
    ]);
    assert.deepEqual(
      held.map((r) => r.profile_id),
      [profileId],
    );
  });

  it('two replicas updating one profile at once: every update recorded once, in sequence, the snapshot the fold of the stream', async () => {
    const [first, second] = [new ProfileCommands(dataSource, config), new ProfileCommands(dataSource, config)];
    const { profileId, sessionId } = await signedIn(first);
    const update = (commands: ProfileCommands, i: number) =>
      commands.execute(context(), profileId, { type: 'UpdateAccount', sessionId, changes: { lastName: `Name${i}` } });
    const outcomes = await Promise.all(Array.from({ length: 16 }, (_, i) => update(i % 2 ? first : second, i)));
    // Each replica queues its own commands; between the two the (stream, sequence) key decides and the loser retries.
    for (const o of outcomes) assert.ok(o.error === undefined || o.error.code === 'CONCURRENT_WRITE', JSON.stringify(o.error));
    const { events, outbox, snapshot } = await rowsOf(profileId);
    assert.deepEqual(
      events.map((e) => e.sequence),
      events.map((_, i) => i + 1),
    );
    assert.equal(events.filter((e) => e.type === 'AccountUpdated').length, outcomes.filter((o) => !o.error).length);
    assert.equal(outbox.length, events.length, 'one outbox row per event, none for a lost race');
    assert.equal(snapshot.version, events.length);
    assert.deepEqual(snapshot.state, asStored(fold(initialProfileState(profileId), events.map(recordedOf))));
  });
});
