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
import { boundedLoop, fmt, heading, knob, perSecond, printTable, quantile, ratio, rssMb, runBenchmark, type LoopResult } from './bench.support';

/**
 * Crypto: PBKDF2 at the production 600,000 iterations (ms per hash, hashes/s with 2 at once),
 * and our Ed25519 access tokens (signAccessToken, verifyAccessToken) against jose's HS256 and
 * jose's bare EdDSA (no claim checks) as reference points, with the RSS each phase leaves.
 */

runBenchmark('crypto', async () => {
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
    const loop = await run();
    const after = rssMb();
    if (loop.failed > 0) throw new Error(`${name}: ${loop.failed} failed, first: ${loop.firstError}`);
    const opsPerSec = perSecond(loop.done * unitsPerTask, loop.elapsedMs);
    rows.push([name, fmt(loop.done * unitsPerTask, 0), fmt(loop.elapsedMs / 1000, 2), fmt(opsPerSec, opsPerSec < 100 ? 2 : 0), fmt(quantile(loop.latencies, 0.5), 3), fmt(quantile(loop.latencies, 0.99), 3)]);
    memory.push(`${name}: ${fmt(before, 0)} -> ${fmt(after, 0)} MiB`);
    return opsPerSec;
  };

  // ---- PBKDF2 ----
  const password = 'correct horse battery staple 1';
  const stored = await hashPassword(password); // warm-up, and the hash the verifications check
  await phase('PBKDF2 hashPassword, 1 at a time', () => boundedLoop({ count: hashes, seconds: 30 }, () => hashPassword(password)));
  await phase('PBKDF2 hashPassword, 2 in parallel', () => boundedLoop({ count: hashes * 2, seconds: 30, concurrency: 2 }, () => hashPassword(password)));
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
  const bound = { count: 1_000_000, seconds };

  const edSign = await phase('Ed25519 signAccessToken', () => boundedLoop(bound, () => signAccessToken(key, claims())));
  const edVerify = await phase('Ed25519 verifyAccessToken', () =>
    boundedLoop(bound, async () => {
      if (!(await verifyAccessToken(token, { keys, issuer: 'idstream' })).ok) throw new Error('verifyAccessToken said invalid');
    }),
  );
  const joseEdSign = await phase('jose EdDSA sign (no claim checks)', () =>
    boundedLoop(bound, () => new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' }).sign(key.privateKey)),
  );
  const edKey = keys.get(key.kid)!;
  const joseEdVerify = await phase('jose EdDSA jwtVerify (no claim checks)', () => boundedLoop(bound, () => jwtVerify(token, edKey, { algorithms: ['EdDSA'] })));
  const hsSign = await phase('jose HS256 sign', () => boundedLoop(bound, () => new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(hsSecret)));
  const hsVerify = await phase('jose HS256 jwtVerify', () => boundedLoop(bound, () => jwtVerify(hsToken, hsSecret, { algorithms: ['HS256'] })));

  printTable('Crypto operations', ['operation', 'ops', 's', 'ops/s', 'p50 ms', 'p99 ms'], rows, [
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
