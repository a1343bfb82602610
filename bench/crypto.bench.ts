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
 */

const ms = (value: number): string => fmt(value, value < 1 ? 3 : value < 10 ? 2 : 0);

runBenchmark('crypto', async () => {
  // Seconds per token operation, split into rounds.
  const seconds = knob('BENCH_CRYPTO_SECONDS', 2);
  const hashes = knob('BENCH_PBKDF2_HASHES', 4);
  heading(
    'Crypto (libs/crypto)',
    'PBKDF2-SHA256 600k: ms per hash, hashes/s with 2 in parallel; Ed25519 sign/verify ops/s vs jose HS256 and bare jose EdDSA',
  );
  const rows: string[][] = [];
  const memory: string[] = [];
  const phase = async (name: string, run: () => Promise<LoopResult>, unitsPerTask = 1): Promise<number> => {
    const before = rssMb();
    const heapBefore = heapMb();
    const loop = await run();
    const after = rssMb();
    const heapAfter = heapMb();
    if (loop.failed > 0) throw new Error(`${name}: ${loop.failed} failed, first: ${loop.firstError}`);
    const opsPerSec = perSecond(loop.done * unitsPerTask, loop.elapsedMs);
    rows.push([
      name,
      fmt(loop.done * unitsPerTask, 0),
      fmt(loop.elapsedMs / 1000, 2),
      fmt(opsPerSec, opsPerSec < 100 ? 2 : 0),
      ms(quantile(loop.latencies, 0.5)),
      ms(quantile(loop.latencies, 0.99)),
    ]);
    memory.push(`${name}: RSS ${fmt(before, 0)} -> ${fmt(after, 0)} MiB, heap used ${fmt(heapBefore, 1)} -> ${fmt(heapAfter, 1)} MiB`);
    return opsPerSec;
  };

  // ---- PBKDF2 ----
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

  // ---- Tokens ----
  const key = await generateSigningKey();
  const keys = new KeySet();
  keys.add(key.publicJwk);
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
  // The token operations take turns in short rounds, and each figure is the median of its
  // rounds: on a shared machine a burst of other work then hits every operation alike.
  const rounds = knob('BENCH_CRYPTO_ROUNDS', 10);
  const edKey = keys.get(key.kid)!;
  const ops: [string, () => Promise<unknown>][] = [
    ['Ed25519 signAccessToken', () => signAccessToken(key, claims())],
    [
      'Ed25519 verifyAccessToken',
      async () => {
        if (!(await verifyAccessToken(token, { keys, issuer: 'idstream' })).ok) throw new Error('verifyAccessToken said invalid');
      },
    ],
    [
      'jose EdDSA sign (no claim checks)',
      () => new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' }).sign(key.privateKey),
    ],
    ['jose EdDSA jwtVerify (no claim checks)', () => jwtVerify(token, edKey, { algorithms: ['EdDSA'] })],
    ['jose HS256 sign', () => new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(hsSecret)],
    ['jose HS256 jwtVerify', () => jwtVerify(hsToken, hsSecret, { algorithms: ['HS256'] })],
  ];
  const rssTokensBefore = rssMb();
  const heapTokensBefore = heapMb();
  const results = await inRounds(
    ops.map(([name, task]) => ({ name, count: 1_000_000, task })),
    rounds,
    seconds,
  );
  const rssTokensAfter = rssMb();
  const heapTokensAfter = heapMb();
  const rate = new Map<string, number>();
  for (const { name, total, medianPerSecond } of results) {
    if (total.failed > 0) throw new Error(`${name}: ${total.failed} failed, first: ${total.firstError}`);
    rate.set(name, medianPerSecond);
    rows.push([
      name,
      fmt(total.done, 0),
      fmt(total.elapsedMs / 1000, 2),
      fmt(medianPerSecond, 0),
      ms(quantile(total.latencies, 0.5)),
      ms(quantile(total.latencies, 0.99)),
    ]);
  }
  memory.push(
    `token operations, ${rounds} rounds each: RSS ${fmt(rssTokensBefore, 0)} -> ${fmt(rssTokensAfter, 0)} MiB, heap used ${fmt(heapTokensBefore, 1)} -> ${fmt(heapTokensAfter, 1)} MiB`,
  );
  const edSign = rate.get('Ed25519 signAccessToken');
  const edVerify = rate.get('Ed25519 verifyAccessToken');
  const joseEdSign = rate.get('jose EdDSA sign (no claim checks)');
  const joseEdVerify = rate.get('jose EdDSA jwtVerify (no claim checks)');
  const hsSign = rate.get('jose HS256 sign');
  const hsVerify = rate.get('jose HS256 jwtVerify');

  printTable('Crypto operations', ['operation', 'ops', 's', 'ops/s', 'p50 ms', 'p99 ms'], rows, [
    'token ops/s: the median of the rounds; the operations take turns round by round',
    `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '(default 4)'}; PBKDF2 runs on that pool, tokens on the event loop`,
  ]);
  printTable(
    'Token ratios',
    ['comparison', 'sign', 'verify'],
    [
      ['our Ed25519 vs jose HS256', ratio(edSign, hsSign), ratio(edVerify, hsVerify)],
      ['our Ed25519 vs bare jose EdDSA (cost of our checks)', ratio(edSign, joseEdSign), ratio(edVerify, joseEdVerify)],
    ],
    ['RSS per phase (after a GC):', ...memory.map((m) => `  ${m}`)],
  );
});
