import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { parseMasterKeys } from '@idstream/crypto';
import { openDataSource } from '@idstream/persistence';
import { createTestDatabase } from '@idstream/testing';
// A benchmark of auth's write path measures auth's own code: it reaches into the app on purpose.
/* eslint-disable @typescript-eslint/no-restricted-imports */
import type { AuthConfig } from '../apps/auth/src/config/auth.config';
import { authMigrations } from '../apps/auth/src/migrations/auth.migrations';
import { ProfileCommands } from '../apps/auth/src/profile/profile.commands.runner';
import type { ProfileCommand } from '../apps/auth/src/profile/profile.commands';
import type { ProfileEvent } from '../apps/auth/src/profile/profile.events';
import { toPublicData } from '../apps/auth/src/profile/profile.public';
import { ProfileRepository } from '../apps/auth/src/profile/profile.repository';
import { ProfileDataKeys } from '../apps/auth/src/event-store/data-keys';
import { EventStore } from '../apps/auth/src/event-store/event-store';
/* eslint-enable @typescript-eslint/no-restricted-imports */
import { fmt, heading, knob, note, printTable, quantile, recordFigure, runBenchmark } from './bench.support';

/**
 * A profile with many sign-ins (issue 14, scaling): the cost of one more command (an account
 * update, and one more sign-in) on a profile whose stream holds 100, 1,000 and BENCH_SIGN_INS
 * (default 10,000) sign-ins, in the two shapes such a stream takes:
 *  - "signed out": each session closed again (SessionOpened + SessionClosed per sign-in);
 *  - "left open": sessions never signed out (a client that signs in again instead of
 *    refreshing), all within the session lifetime, so every one is still open; up to
 *    BENCH_SIGN_INS_OPEN (default BENCH_SIGN_INS), every command reading and writing a
 *    snapshot that holds them all.
 * The stream is written through auth's event store (EventStore.append, outbox included), the
 * commands run through ProfileCommands (load: snapshot + events after it, decide, append,
 * snapshot, one transaction). Also the snapshot's size and a cold load (the whole stream folded).
 */

const WS = 'bench-ws';
const HASH = 'pbkdf2-sha256$1$x$y';

runBenchmark(
  'profile-sign-ins',
  async (cleanup) => {
    const max = knob('BENCH_SIGN_INS', 10_000);
    const commands = knob('BENCH_SIGN_INS_COMMANDS', 20);
    // This shape stopped at 2,000 while the fold copied the session map per event (quadratic:
    // 10,000 open did not finish in 15 minutes); the knob stays to run it smaller than the other.
    const maxOpen = Math.min(max, knob('BENCH_SIGN_INS_OPEN', max));
    const checkpointsOf = (top: number) => [100, 1000, top].filter((n, i, all) => n <= top && all.indexOf(n) === i);
    const checkpoints = checkpointsOf(max);
    heading(
      'Profile with many sign-ins (apps/auth)',
      `one more command at ${checkpoints.join(' / ')} sign-ins signed out, up to ${maxOpen} left open`,
    );
    const db = await createTestDatabase('bench_sign_ins');
    cleanup(db.drop);
    const dataSource: DataSource = await openDataSource({ url: db.url, schema: 'auth', migrations: authMigrations, poolSize: 2 });
    cleanup(() => dataSource.destroy());
    const config = {
      mail: { confirmUrl: 'http://x/{token}', resetUrl: 'http://x/{token}' },
      masterKeys: parseMasterKeys(`bench:${randomBytes(32).toString('base64')}`),
      maxAccessTokenTtlSeconds: 3600,
    } as AuthConfig;
    new ProfileDataKeys(dataSource, config);
    const profiles = new ProfileCommands(dataSource, config);
    const start = Date.UTC(2026, 0, 1);
    let step = 0;
    const now = () => new Date(start + step++ * 1000);
    const farFuture = new Date(Date.UTC(2030, 0, 1)).toISOString();

    const rows: string[][] = [];
    for (const shape of ['signed out', 'left open'] as const) {
      const profileId = randomUUID();
      const run = async (command: ProfileCommand) => {
        const outcome = await profiles.execute({ workspaceId: WS, correlationId: 'bench', now: now() }, profileId, command);
        if (outcome.error) throw new Error(`${command.type}: ${outcome.error.code}`);
        return outcome;
      };
      await run({
        type: 'RegisterAccount',
        email: `${profileId}@example.test`,
        passwordHash: HASH,
        profile: { firstName: 'Ann' },
        agreements: {},
        attributes: {},
        deviceUuid: null,
        mode: 'automatic',
        confirmationExpiresAt: farFuture,
        pinExpiresAt: farFuture,
      });
      const signIn = (sessionId: string): ProfileCommand => ({
        type: 'SignIn',
        passwordValid: true,
        verifiedHash: HASH,
        rehashedPassword: null,
        sessionId,
        deviceUuid: null,
        sessionExpiresAt: farFuture,
      });
      // The caller's own session, open throughout (account updates need one).
      const own = randomUUID();
      await run(signIn(own));
      let signIns = 1;
      let version = (await ProfileRepository.load(dataSource.manager, WS, profileId)).version;
      for (const target of checkpointsOf(shape === 'left open' ? maxOpen : max)) {
        // Seed the sign-ins up to `target` straight into the stream, in chunks of 500 events.
        while (signIns < target) {
          const events: ProfileEvent[] = [];
          for (; signIns < target && events.length < 500; signIns++) {
            const sessionId = randomUUID();
            const at = now().toISOString();
            events.push({ type: 'SessionOpened', data: { profileId, sessionId, deviceUuid: null, expiresAt: farFuture } });
            if (shape === 'signed out')
              events.push({
                type: 'SessionClosed',
                data: { profileId, sessionId, reason: 'sign-out', closedAt: at, forgetAfter: farFuture },
              });
          }
          await dataSource.transaction((manager) =>
            EventStore.append(
              manager,
              { streamId: profileId, aggregateId: profileId },
              version,
              events.map((e) => ({ type: e.type, data: e.data, publicData: toPublicData(e) })),
              { workspaceId: WS, correlationId: 'bench-seed', now: now() },
            ),
          );
          version += events.length;
        }
        // Bring the snapshot up to the head (the first command after the seed would, timed).
        const t0 = performance.now();
        await run({ type: 'UpdateAccount', sessionId: own, changes: { lastName: `seed-${target}` } });
        const catchUpMs = performance.now() - t0;
        const update: number[] = [];
        const more: number[] = [];
        for (let i = 0; i < commands; i++) {
          let t = performance.now();
          await run({ type: 'UpdateAccount', sessionId: own, changes: { lastName: `L${target}-${i}` } });
          update.push(performance.now() - t);
          const sessionId = randomUUID();
          t = performance.now();
          await run(signIn(sessionId));
          more.push(performance.now() - t);
          signIns++;
          // The shape holds: a signed-out profile signs this one out again (not timed).
          if (shape === 'signed out')
            await run({ type: 'SignOut', sessionId, clock: { now: now().toISOString(), tokensExpireBy: farFuture } });
        }
        version = (await ProfileRepository.load(dataSource.manager, WS, profileId)).version;
        const [size] = await dataSource.query<{ bytes: number }[]>(
          'SELECT octet_length(state::text) AS bytes FROM auth.profiles WHERE workspace_id = $1 AND profile_id = $2',
          [WS, profileId],
        );
        const t1 = performance.now();
        await ProfileRepository.loadFromStream(dataSource.manager, WS, profileId);
        const coldMs = performance.now() - t1;
        const p50 = (values: number[]) =>
          quantile(
            [...values].sort((a, b) => a - b),
            0.5,
          );
        const key = `profile.signIns.${shape === 'signed out' ? 'signedOut' : 'open'}.${target}`;
        recordFigure(`${key}.updateP50Ms`, p50(update));
        recordFigure(`${key}.signInP50Ms`, p50(more));
        recordFigure(`${key}.snapshotBytes`, Number(size?.bytes ?? 0));
        rows.push([
          shape,
          fmt(target, 0),
          fmt(version, 0),
          fmt(Number(size?.bytes ?? 0) / 1024, 1),
          fmt(p50(update), 2),
          fmt(p50(more), 2),
          fmt(catchUpMs, 0),
          fmt(coldMs, 0),
        ]);
        note(`${shape}, ${fmt(target, 0)} sign-ins: ${rows.at(-1)!.slice(2).join(' / ')}`);
      }
    }
    printTable(
      `One more command on a profile with many sign-ins, ms (p50 of ${commands}, sequential, one transaction each)`,
      ['sessions', 'sign-ins', 'events', 'snapshot KiB', 'account update', 'one more sign-in', 'first after seed', 'cold load'],
      rows,
      [
        '"first after seed": the first command after the seeded events, which folds them into the snapshot',
        '"cold load": ProfileRepository.loadFromStream, the whole stream read and folded (no snapshot)',
      ],
    );
  },
  900,
);
