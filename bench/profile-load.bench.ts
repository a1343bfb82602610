import { randomBytes } from 'node:crypto';
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
import { decide } from '../apps/auth/src/profile/profile.decider';
import { ProfileRepository, recordedOf } from '../apps/auth/src/profile/profile.repository';
import { fold, initialProfileState } from '../apps/auth/src/profile/profile.state';
import { ProfileDataKeys } from '../apps/auth/src/event-store/data-keys';
import { EventStore } from '../apps/auth/src/event-store/event-store';
/* eslint-enable @typescript-eslint/no-restricted-imports */
import { fmt, heading, knob, note, printTable, quantile, ratio, recordFigure, runBenchmark } from './bench.support';

/**
 * Auth's profile commands at a long stream: an account update (the command behind
 * `PATCH /v1/account`: load, decide, append events and outbox, cache the state, one
 * transaction) on a profile whose stream holds BENCH_PROFILE_EVENTS events, with the snapshot
 * (the normal path) and cold (no snapshot: the whole stream is read and folded). Also the pure
 * decide + fold of that stream in memory. Target: cold within 10 % of the snapshot path.
 */

const WS = 'bench-ws';
const PROFILE = '0190a000-0000-7000-8000-000000000001';

runBenchmark('profile-load', async (cleanup) => {
  const events = knob('BENCH_PROFILE_EVENTS', 1000);
  const commands = knob('BENCH_PROFILE_COMMANDS', 200);
  const rounds = knob('BENCH_PROFILE_ROUNDS', 5);
  heading('Profile load (apps/auth)', `an account update on a stream of ${events} events: snapshot path vs cold (whole stream folded)`);
  const db = await createTestDatabase('bench_profile');
  cleanup(db.drop);
  const dataSource: DataSource = await openDataSource({ url: db.url, schema: 'auth', migrations: authMigrations, poolSize: 2 });
  cleanup(() => dataSource.destroy());
  const config = {
    mail: { confirmUrl: 'http://x/{token}', resetUrl: 'http://x/{token}' },
    masterKeys: parseMasterKeys(`bench:${randomBytes(32).toString('base64')}`),
  } as AuthConfig;
  // Personal fields are sealed with the profile's data key (crypto-shredding): its key store registers itself.
  new ProfileDataKeys(dataSource, config);
  const profiles = new ProfileCommands(dataSource, config);
  let step = 0;
  const context = () => ({ workspaceId: WS, correlationId: 'bench', now: new Date(Date.UTC(2026, 0, 1) + step++ * 1000) });
  const update = (i: number): ProfileCommand => ({ type: 'UpdateAccount', sessionId: 's1', changes: { lastName: `L${i}` } });
  const run = async (command: ProfileCommand) => {
    const outcome = await profiles.execute(context(), PROFILE, command);
    if (outcome.error) throw new Error(`${command.type}: ${outcome.error.code}`);
  };

  // The stream: a registration, a sign-in, and account updates up to `events`.
  await run({
    type: 'RegisterAccount',
    email: 'bench@example.test',
    passwordHash: 'pbkdf2-sha256$1$x$y',
    profile: { firstName: 'Ann' },
    agreements: {},
    attributes: {},
    deviceUuid: null,
    mode: 'automatic',
    confirmationExpiresAt: new Date(Date.UTC(2027, 0, 1)).toISOString(),
    pinExpiresAt: new Date(Date.UTC(2027, 0, 1)).toISOString(),
  });
  await run({
    type: 'SignIn',
    passwordValid: true,
    verifiedHash: 'pbkdf2-sha256$1$x$y',
    rehashedPassword: null,
    sessionId: 's1',
    deviceUuid: null,
    sessionExpiresAt: new Date(Date.UTC(2030, 0, 1)).toISOString(),
  });
  for (let i = 2; i < events; i++) await run(update(i));
  const length = (await ProfileRepository.load(dataSource.manager, WS, PROFILE)).version;
  note(`stream of ${length} events built`);

  // The two paths in turns, so a burst of other work on a shared machine hits both alike.
  const latencies = { snapshot: [] as number[], cold: [] as number[] };
  let i = events;
  for (let round = 0; round < rounds; round++) {
    for (const path of ['snapshot', 'cold'] as const) {
      for (let n = 0; n < Math.ceil(commands / rounds); n++) {
        if (path === 'cold') await dataSource.query('DELETE FROM auth.profiles WHERE profile_id = $1', [PROFILE]);
        const t0 = performance.now();
        await run(update(i++));
        latencies[path].push(performance.now() - t0);
      }
    }
  }

  // The load alone, in its three forms: the snapshot row only (what commands read before the
  // stream became the truth), the snapshot and the events after it (today's normal path), the
  // whole stream (cold).
  const loads = {
    'snapshot row only (before)': [] as number[],
    'snapshot + newer events (normal)': [] as number[],
    'whole stream (cold)': [] as number[],
  };
  const loaders: Record<keyof typeof loads, () => Promise<unknown>> = {
    'snapshot row only (before)': () =>
      dataSource.query('SELECT version, state FROM auth.profiles WHERE workspace_id = $1 AND profile_id = $2', [WS, PROFILE]),
    'snapshot + newer events (normal)': () => ProfileRepository.load(dataSource.manager, WS, PROFILE),
    'whole stream (cold)': () => ProfileRepository.loadFromStream(dataSource.manager, WS, PROFILE),
  };
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(loads) as (keyof typeof loads)[]) {
      for (let n = 0; n < Math.ceil(commands / rounds); n++) {
        const t0 = performance.now();
        await loaders[name]();
        loads[name].push(performance.now() - t0);
      }
    }
  }

  // The pure part of a cold load: read the stream, then decide + fold it in memory.
  const stored = await EventStore.load(dataSource.manager, PROFILE);
  const foldMs: number[] = [];
  for (let n = 0; n < 50; n++) {
    const t0 = performance.now();
    const state = fold(initialProfileState(PROFILE), stored.map(recordedOf));
    decide(update(n), state);
    foldMs.push(performance.now() - t0);
  }

  const rows = (['snapshot', 'cold'] as const).map((path) => {
    const sorted = [...latencies[path]].sort((a, b) => a - b);
    return [path, String(sorted.length), fmt(quantile(sorted, 0.5), 2), fmt(quantile(sorted, 0.9), 2), fmt(quantile(sorted, 0.99), 2)];
  });
  const p50 = (path: 'snapshot' | 'cold') =>
    quantile(
      [...latencies[path]].sort((a, b) => a - b),
      0.5,
    );
  foldMs.sort((a, b) => a - b);
  printTable(
    `Account update at ${length}+ events, ms per command (one transaction, sequential)`,
    ['path', 'commands', 'p50', 'p90', 'p99'],
    rows,
    [
      `cold / snapshot at p50: ${ratio(p50('cold'), p50('snapshot'))} (target: at most 1.10x)`,
      `decide + fold of ${stored.length} stored events in memory: p50 ${fmt(quantile(foldMs, 0.5), 2)} ms (the rest of a cold load is reading them)`,
    ],
  );
  const loadP50 = (name: keyof typeof loads) =>
    quantile(
      [...loads[name]].sort((a, b) => a - b),
      0.5,
    );
  printTable(
    'The load alone, ms',
    ['load', 'p50', 'p90'],
    (Object.keys(loads) as (keyof typeof loads)[]).map((name) => {
      const sorted = [...loads[name]].sort((a, b) => a - b);
      return [name, fmt(quantile(sorted, 0.5), 2), fmt(quantile(sorted, 0.9), 2)];
    }),
    [`normal / before at p50: ${ratio(loadP50('snapshot + newer events (normal)'), loadP50('snapshot row only (before)'))}`],
  );
  recordFigure('profile.update.snapshot.p50Ms', p50('snapshot'));
  recordFigure('profile.update.cold.p50Ms', p50('cold'));
});
