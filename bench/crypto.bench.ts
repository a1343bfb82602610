import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import {
  ANONYMOUS_SCOPE,
  KeySet,
  generateSigningKey,
  hashPassword,
  signAccessToken,
  verifyAccessToken,
  verifyPassword,
  type AccessTokenClaims,
} from '@idstream/crypto';
import {
  boundedLoop,
  fmt,
  heading,
  heapMb,
  inRounds,
  knob,
  perSecond,
  printTable,
  quantile,
  ratio,
  rssMb,
  runBenchmark,
  type LoopResult,
} from './bench.support';

/**
 * Crypto: PBKDF2 at the production 600,000 iterations (ms per hash, hashes/s with 2 at once),
 * and our Ed25519 access tokens (signAccessToken, verifyAccessToken) against jose's HS256 and
 * jose's bare EdDSA (no claim checks) as reference points, with the RSS each phase leaves.
 * Besides operations per wall-clock second, each operation's CPU time is measured: on a
 * shared machine the CPU a process is given swings, the CPU an operation costs does not.
 */

const ms = (value: number): string => fmt(value, value < 1 ? 3 : value < 10 ? 2 : 0);

interface Measured {
  name: string;
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  cpuMsPerOp: number;
  latencies: number[];
}

runBenchmark('crypto', async () => {
  // Seconds per token operation, split into rounds.
  const seconds = knob('BENCH_CRYPTO_SECONDS', 2);
  const rounds = knob('BENCH_CRYPTO_ROUNDS', 10);
  const hashes = knob('BENCH_PBKDF2_HASHES', 4);
  heading(
    'Crypto (libs/crypto)',
    'PBKDF2-SHA256 600k: ms per hash, hashes/s with 2 in parallel; Ed25519 sign/verify vs jose HS256 and bare jose EdDSA',
  );
  const measured: Measured[] = [];
  const memory: string[] = [];
  const phase = async (name: string, run: () => Promise<LoopResult>): Promise<void> => {
    const before = rssMb();
    const heapBefore = heapMb();
    const loop = await run();
    const after = rssMb();
    const heapAfter = heapMb();
    if (loop.failed > 0) throw new Error(`${name}: ${loop.failed} failed, first: ${loop.firstError}`);
    const { done, elapsedMs, latencies } = loop;
    measured.push({ name, ops: done, elapsedMs, opsPerSec: perSecond(done, elapsedMs), cpuMsPerOp: loop.cpuMs / done, latencies });
    memory.push(`${name}: RSS ${fmt(before, 0)} -> ${fmt(after, 0)} MiB, heap used ${fmt(heapBefore, 1)} -> ${fmt(heapAfter, 1)} MiB`);
  };

  // ---- PBKDF2 (on the libuv pool) ----
  const password = 'correct horse battery staple 1';
  const stored = await hashPassword(password); // warm-up, and the hash the verifications check
  await phase('PBKDF2 hashPassword, 1 at a time', () => boundedLoop({ count: hashes, seconds: 30 }, () => hashPassword(password)));
  await phase('PBKDF2 hashPassword, 2 in parallel', () =>
    boundedLoop({ count: hashes * 2, seconds: 30, concurrency: 2 }, () => hashPassword(password)),
  );
  await phase('PBKDF2 verifyPassword, 2 in parallel', () =>
    boundedLoop({ count: hashes * 2, seconds: 30, concurrency: 2 }, async () => {
      if (!(await verifyPassword(password, stored)).valid) throw new Error('verifyPassword said invalid');
    }),
  );

  // ---- Tokens (on the event loop) ----
  const key = await generateSigningKey();
  const keys = new KeySet();
  keys.add(key.publicJwk);
  const edKey = keys.get(key.kid)!;
  const now = Math.floor(Date.now() / 1000);
  const claims = (): AccessTokenClaims => ({
    iss: 'idstream',
    aud: 'ws_bench',
    sub: randomUUID(),
    uuid: randomUUID(),
    role: 'anonymous',
    scope: ANONYMOUS_SCOPE,
    sid: randomUUID(),
    jti: randomUUID(),
    iat: now,
    exp: now + 3600,
  });
  const token = await signAccessToken(key, claims());
  const hsSecret = randomBytes(32);
  const hsToken = await new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(hsSecret);
  const OURS_SIGN = 'Ed25519 signAccessToken';
  const OURS_VERIFY = 'Ed25519 verifyAccessToken';
  const JOSE_ED_SIGN = 'jose EdDSA sign (no claim checks)';
  const JOSE_ED_VERIFY = 'jose EdDSA jwtVerify (no claim checks)';
  const HS_SIGN = 'jose HS256 sign';
  const HS_VERIFY = 'jose HS256 jwtVerify';
  const ops: [string, () => Promise<unknown>][] = [
    [OURS_SIGN, () => signAccessToken(key, claims())],
    [
      OURS_VERIFY,
      async () => {
        if (!(await verifyAccessToken(token, { keys, issuer: 'idstream' })).ok) throw new Error('verifyAccessToken said invalid');
      },
    ],
    [JOSE_ED_SIGN, () => new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' }).sign(key.privateKey)],
    [JOSE_ED_VERIFY, () => jwtVerify(token, edKey, { algorithms: ['EdDSA'] })],
    [HS_SIGN, () => new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(hsSecret)],
    [HS_VERIFY, () => jwtVerify(hsToken, hsSecret, { algorithms: ['HS256'] })],
  ];
  const rssTokensBefore = rssMb();
  const heapTokensBefore = heapMb();
  // The token operations take turns in short rounds; ops/s is the median of the rounds.
  const results = await inRounds(
    ops.map(([name, task]) => ({ name, count: 1_000_000, task })),
    rounds,
    seconds,
  );
  const rssTokensAfter = rssMb();
  const heapTokensAfter = heapMb();
  for (const { name, total, medianPerSecond } of results) {
    if (total.failed > 0) throw new Error(`${name}: ${total.failed} failed, first: ${total.firstError}`);
    const { done, elapsedMs, latencies, cpuMs } = total;
    measured.push({ name, ops: done, elapsedMs, opsPerSec: medianPerSecond, cpuMsPerOp: cpuMs / done, latencies });
  }
  memory.push(
    `token operations, ${rounds} rounds each: RSS ${fmt(rssTokensBefore, 0)} -> ${fmt(rssTokensAfter, 0)} MiB, heap used ${fmt(heapTokensBefore, 1)} -> ${fmt(heapTokensAfter, 1)} MiB`,
  );

  printTable(
    'Crypto operations',
    ['operation', 'ops', 's', 'ops/s', 'CPU ms/op', 'ops per CPU s', 'p50 ms', 'p99 ms'],
    measured.map((m) => [
      m.name,
      fmt(m.ops, 0),
      fmt(m.elapsedMs / 1000, 2),
      fmt(m.opsPerSec, m.opsPerSec < 100 ? 2 : 0),
      ms(m.cpuMsPerOp),
      fmt(1000 / m.cpuMsPerOp, m.cpuMsPerOp > 10 ? 2 : 0),
      ms(quantile(m.latencies, 0.5)),
      ms(quantile(m.latencies, 0.99)),
    ]),
    [
      'token ops/s: the median of the rounds, the operations taking turns; CPU: this process, all threads (the libuv pool for PBKDF2)',
      `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '(default 4)'}; PBKDF2 runs on that pool, tokens on the event loop`,
    ],
  );
  const get = (name: string) => measured.find((m) => m.name === name)!;
  const byCpu = (a: string, b: string) => ratio(get(b).cpuMsPerOp, get(a).cpuMsPerOp);
  const byWall = (a: string, b: string) => ratio(get(a).opsPerSec, get(b).opsPerSec);
  printTable(
    'Token ratios (above 1×: ours does more per CPU second / per second)',
    ['comparison', 'sign, CPU', 'verify, CPU', 'sign, ops/s', 'verify, ops/s'],
    [
      [
        'our Ed25519 vs jose HS256',
        byCpu(OURS_SIGN, HS_SIGN),
        byCpu(OURS_VERIFY, HS_VERIFY),
        byWall(OURS_SIGN, HS_SIGN),
        byWall(OURS_VERIFY, HS_VERIFY),
      ],
      [
        'our Ed25519 vs bare jose EdDSA (cost of our checks)',
        byCpu(OURS_SIGN, JOSE_ED_SIGN),
        byCpu(OURS_VERIFY, JOSE_ED_VERIFY),
        byWall(OURS_SIGN, JOSE_ED_SIGN),
        byWall(OURS_VERIFY, JOSE_ED_VERIFY),
      ],
    ],
    ['RSS per phase (after a GC):', ...memory.map((m) => `  ${m}`)],
  );
});
