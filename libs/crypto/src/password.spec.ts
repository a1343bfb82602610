import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { CURRENT_PASSWORD_PARAMS, hashPassword, verifyPassword, type PasswordHashParams } from './password';

// Small iteration counts keep these tests fast; one test below uses the real default.
const FAST: PasswordHashParams = { iterations: 1_000, saltBytes: 16, keyBytes: 32 };
const PASSWORD = 'Correct-Horse-1';

describe('password hashing', () => {
  it('round-trips: a hash verifies with the password it was made from', async () => {
    const stored = await hashPassword(PASSWORD, FAST);
    assert.deepEqual(await verifyPassword(PASSWORD, stored, FAST), { valid: true, needsRehash: false });
  });

  it('stores a self-describing pbkdf2-sha256$<iterations>$<salt>$<hash> string', async () => {
    const stored = await hashPassword(PASSWORD, FAST);
    const parts = stored.split('$');
    assert.equal(parts.length, 4);
    const [algorithm, iterations, salt, hash] = parts as [string, string, string, string];
    assert.equal(algorithm, 'pbkdf2-sha256');
    assert.equal(iterations, '1000');
    assert.match(salt, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(salt, 'base64url').length, 16);
    assert.equal(Buffer.from(hash, 'base64url').length, 32);
    // The hash is plain PBKDF2-HMAC-SHA256 of the UTF-8 password with that salt.
    const expected = pbkdf2Sync(PASSWORD, Buffer.from(salt, 'base64url'), 1_000, 32, 'sha256');
    assert.equal(hash, expected.toString('base64url'));
  });

  it('verifies a hash computed independently in the documented format', async () => {
    const salt = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const hash = pbkdf2Sync('pässwörd ✓', salt, 2_000, 32, 'sha256');
    const stored = `pbkdf2-sha256$2000$${salt.toString('base64url')}$${hash.toString('base64url')}`;
    assert.deepEqual(await verifyPassword('pässwörd ✓', stored, { ...FAST, iterations: 2_000 }), {
      valid: true,
      needsRehash: false,
    });
  });

  it('salts every hash: the same password hashes differently twice', async () => {
    const a = await hashPassword(PASSWORD, FAST);
    const b = await hashPassword(PASSWORD, FAST);
    assert.notEqual(a, b);
  });

  it('rejects a wrong password', async () => {
    const stored = await hashPassword(PASSWORD, FAST);
    for (const wrong of ['correct-horse-1', 'Correct-Horse-2', 'Correct-Horse-1 ', '', 'Correct-Horse-']) {
      assert.deepEqual(await verifyPassword(wrong, stored, FAST), { valid: false, needsRehash: false }, wrong);
    }
  });

  it('asks for a re-hash when the stored hash used fewer iterations than current', async () => {
    const stored = await hashPassword(PASSWORD, { ...FAST, iterations: 500 });
    assert.deepEqual(await verifyPassword(PASSWORD, stored, FAST), { valid: true, needsRehash: true });
  });

  it('asks for a re-hash when the stored salt or key is shorter than current', async () => {
    const shortSalt = await hashPassword(PASSWORD, { ...FAST, saltBytes: 8 });
    const shortKey = await hashPassword(PASSWORD, { ...FAST, keyBytes: 16 });
    assert.deepEqual(await verifyPassword(PASSWORD, shortSalt, FAST), { valid: true, needsRehash: true });
    assert.deepEqual(await verifyPassword(PASSWORD, shortKey, FAST), { valid: true, needsRehash: true });
  });

  it('does not ask for a re-hash when the stored params are as strong or stronger', async () => {
    const stronger = await hashPassword(PASSWORD, { iterations: 1_500, saltBytes: 24, keyBytes: 48 });
    assert.deepEqual(await verifyPassword(PASSWORD, stronger, FAST), { valid: true, needsRehash: false });
  });

  it('never asks to re-hash on a wrong password, even when the stored hash is weak', async () => {
    const weak = await hashPassword(PASSWORD, { ...FAST, iterations: 500 });
    assert.deepEqual(await verifyPassword('nope', weak, FAST), { valid: false, needsRehash: false });
  });

  it('returns valid:false for an unknown account (stored === null)', async () => {
    assert.deepEqual(await verifyPassword(PASSWORD, null, FAST), { valid: false, needsRehash: false });
    assert.deepEqual(await verifyPassword('', null, FAST), { valid: false, needsRehash: false });
  });

  it('returns valid:false for a malformed stored string and never throws', async () => {
    const good = await hashPassword(PASSWORD, FAST);
    const [, , salt, hash] = good.split('$') as [string, string, string, string];
    const malformed = [
      '',
      'garbage',
      '$$$',
      `pbkdf2-sha256$1000$${salt}`,
      `pbkdf2-sha256$1000$${salt}$${hash}$extra`,
      `bcrypt$1000$${salt}$${hash}`,
      `PBKDF2-SHA256$1000$${salt}$${hash}`,
      `pbkdf2-sha256$0$${salt}$${hash}`,
      `pbkdf2-sha256$01000$${salt}$${hash}`,
      `pbkdf2-sha256$-1000$${salt}$${hash}`,
      `pbkdf2-sha256$1e3$${salt}$${hash}`,
      `pbkdf2-sha256$99999999999$${salt}$${hash}`,
      `pbkdf2-sha256$1000$$${hash}`,
      `pbkdf2-sha256$1000$${salt}$`,
      `pbkdf2-sha256$1000$${salt}+/$${hash}`,
      `pbkdf2-sha256$1000$${salt}$${hash}==`,
      `pbkdf2-sha256$1000$AAAA$${hash}`, // 3-byte salt
      `pbkdf2-sha256$1000$${salt}$AAAA`, // 3-byte hash: would match 1 wrong password in 2^24
    ];
    for (const stored of malformed) {
      assert.deepEqual(await verifyPassword(PASSWORD, stored, FAST), { valid: false, needsRehash: false }, stored);
    }
    // The well-formed original still verifies, so the cases above fail for their malformation.
    assert.equal((await verifyPassword(PASSWORD, good, FAST)).valid, true);
  });

  it('returns valid:false rather than throwing when untyped callers pass a non-string', async () => {
    const stored = await hashPassword(PASSWORD, FAST);
    assert.deepEqual(await verifyPassword(undefined as unknown as string, stored, FAST), { valid: false, needsRehash: false });
    assert.deepEqual(await verifyPassword(PASSWORD, 42 as unknown as string, FAST), { valid: false, needsRehash: false });
  });

  it('hashes non-ASCII passwords as UTF-8', async () => {
    const password = 'Ünïcödé-密码-🔑';
    const stored = await hashPassword(password, FAST);
    assert.equal((await verifyPassword(password, stored, FAST)).valid, true);
    assert.equal((await verifyPassword(password.normalize('NFD'), stored, FAST)).valid, false);
  });

  it('refuses params too weak to trust', async () => {
    await assert.rejects(hashPassword(PASSWORD, { ...FAST, iterations: 0 }), RangeError);
    await assert.rejects(hashPassword(PASSWORD, { ...FAST, saltBytes: 4 }), RangeError);
    await assert.rejects(hashPassword(PASSWORD, { ...FAST, keyBytes: 8 }), RangeError);
    await assert.rejects(hashPassword(PASSWORD, { ...FAST, iterations: 1.5 }), RangeError);
  });

  it('defaults to the real parameters: 600,000 iterations, 16-byte salt, 32-byte key', async () => {
    assert.deepEqual({ ...CURRENT_PASSWORD_PARAMS }, { iterations: 600_000, saltBytes: 16, keyBytes: 32 });
    const stored = await hashPassword(PASSWORD);
    const [algorithm, iterations, salt, hash] = stored.split('$') as [string, string, string, string];
    assert.equal(algorithm, 'pbkdf2-sha256');
    assert.equal(iterations, '600000');
    assert.equal(Buffer.from(salt, 'base64url').length, 16);
    assert.equal(Buffer.from(hash, 'base64url').length, 32);
    assert.deepEqual(await verifyPassword(PASSWORD, stored), { valid: true, needsRehash: false });
  });

  it('treats a random stored string of the right shape as a mismatch', async () => {
    const stored = `pbkdf2-sha256$1000$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
    assert.deepEqual(await verifyPassword(PASSWORD, stored, FAST), { valid: false, needsRehash: false });
  });
});
