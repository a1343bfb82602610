// The peer of the end-to-end benchmarks: better-auth (a dev dependency, used by the bench only)
// with email and password, served by node:http on a free loopback port, on the same PostgreSQL
// in a database of its own.
//   DATABASE_URL=<its database> BETTER_AUTH_HASHER=pbkdf2|scrypt node bench/better-auth-peer.mjs
// `pbkdf2` gives it the hasher idstream uses (PBKDF2-SHA256, 600,000 iterations, 16-byte salt,
// 32-byte key, on libuv's thread pool) through emailAndPassword.password.hash/verify, so both
// pay the same per hash; `scrypt` keeps better-auth's default. The schema comes from
// better-auth's own migrations (getMigrations), run here before listening. Rate limiting is
// off, as the gateway's flood guard is in the bench. Prints the port once it listens.
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import pg from 'pg';

const ITERATIONS = 600_000;
const derive = (password, salt) =>
  new Promise((resolve, reject) =>
    pbkdf2(password, salt, ITERATIONS, 32, 'sha256', (error, key) => (error ? reject(error) : resolve(key))),
  );

const pbkdf2Hasher = {
  async hash(password) {
    const salt = randomBytes(16);
    return `${salt.toString('base64url')}$${(await derive(password, salt)).toString('base64url')}`;
  },
  async verify({ hash, password }) {
    const [salt, expected] = hash.split('$');
    const actual = await derive(password, Buffer.from(salt, 'base64url'));
    const wanted = Buffer.from(expected, 'base64url');
    return wanted.length === actual.length && timingSafeEqual(wanted, actual);
  },
};

const hasher = process.env.BETTER_AUTH_HASHER ?? 'pbkdf2';
if (hasher !== 'pbkdf2' && hasher !== 'scrypt') throw new Error(`BETTER_AUTH_HASHER must be pbkdf2 or scrypt, got ${hasher}`);

const options = {
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
  secret: randomBytes(32).toString('hex'),
  baseURL: 'http://127.0.0.1',
  // The bench's setup calls come from node's fetch, which better-auth's CSRF check asks for an Origin.
  trustedOrigins: ['http://127.0.0.1'],
  emailAndPassword: { enabled: true, autoSignIn: false, ...(hasher === 'pbkdf2' ? { password: pbkdf2Hasher } : {}) },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'error' },
};

const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);
const server = http.createServer(toNodeHandler(auth));
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
