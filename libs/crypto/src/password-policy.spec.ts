import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PASSWORD_POLICY,
  MAX_PASSWORD_BYTES,
  checkPasswordPolicy,
  isValidPasswordPolicy,
  type PasswordPolicy,
  type PasswordRule,
} from './password-policy';

const rules = (password: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): PasswordRule[] =>
  checkPasswordPolicy(password, policy).map((v) => v.rule);

describe('password policy', () => {
  it('has the documented default: 6 characters with upper, lower, digit and symbol', () => {
    assert.deepEqual(
      { ...DEFAULT_PASSWORD_POLICY },
      { minLength: 6, requireUppercase: true, requireLowercase: true, requireDigit: true, requireSymbol: true },
    );
    assert.equal(MAX_PASSWORD_BYTES, 1024);
  });

  it('accepts a password that meets every rule', () => {
    assert.deepEqual(checkPasswordPolicy('Ab1!cd', DEFAULT_PASSWORD_POLICY), []);
    assert.deepEqual(checkPasswordPolicy('Correct-Horse-Battery-1', DEFAULT_PASSWORD_POLICY), []);
  });

  it('names each violated rule, alone', () => {
    assert.deepEqual(rules('Ab1!c'), ['minLength']);
    assert.deepEqual(rules('ab1!cd'), ['uppercase']);
    assert.deepEqual(rules('AB1!CD'), ['lowercase']);
    assert.deepEqual(rules('Abc!de'), ['digit']);
    assert.deepEqual(rules('Abc1de'), ['symbol']);
    assert.deepEqual(rules('Aa1!' + 'x'.repeat(MAX_PASSWORD_BYTES - 3)), ['maxBytes']);
  });

  it('reports every rule at once, in a stable order, with readable messages', () => {
    assert.deepEqual(checkPasswordPolicy('', DEFAULT_PASSWORD_POLICY), [
      { rule: 'minLength', message: 'must be at least 6 characters' },
      { rule: 'uppercase', message: 'must contain an uppercase letter' },
      { rule: 'lowercase', message: 'must contain a lowercase letter' },
      { rule: 'digit', message: 'must contain a digit' },
      { rule: 'symbol', message: 'must contain a character that is not a letter or a digit' },
    ]);
    const tooLong = checkPasswordPolicy('x'.repeat(MAX_PASSWORD_BYTES + 1), DEFAULT_PASSWORD_POLICY);
    assert.deepEqual(tooLong[0], { rule: 'maxBytes', message: 'must be at most 1024 bytes' });
  });

  it('refuses a 1025-byte password and accepts a 1024-byte one', () => {
    const base = 'Aa1!';
    assert.equal(Buffer.byteLength(base + 'x'.repeat(1020)), 1024);
    assert.deepEqual(rules(base + 'x'.repeat(1020)), []);
    assert.equal(Buffer.byteLength(base + 'x'.repeat(1021)), 1025);
    assert.deepEqual(rules(base + 'x'.repeat(1021)), ['maxBytes']);
  });

  it('counts the byte limit in UTF-8 bytes, not characters', () => {
    const password = 'Aa1!' + 'é'.repeat(511); // 515 characters, 1026 bytes
    assert.deepEqual(rules(password), ['maxBytes']);
  });

  it('counts length in Unicode code points, not UTF-16 units', () => {
    // 5 code points but 7 UTF-16 units: too short for 6.
    assert.deepEqual(rules('Aa1😀😀'), ['minLength']);
    assert.deepEqual(rules('Aa1😀😀😀'), []);
  });

  it('recognizes letters and digits beyond ASCII', () => {
    assert.deepEqual(rules('Ñandú7!'), []);
    assert.deepEqual(rules('Σσ٣!ab'), []); // Greek letters, an Arabic-Indic digit
    assert.deepEqual(rules('ÄÖÜ١٢٣'), ['lowercase', 'symbol']);
    assert.deepEqual(rules('密码密码A1!'), ['lowercase']); // CJK letters are neither upper nor lower case
  });

  it('counts a space or an emoji as a symbol, a combining accent as part of its letter', () => {
    assert.deepEqual(rules('Abc 12'), []);
    assert.deepEqual(rules('Abc🔑12'), []);
    assert.deepEqual(rules('Abc12e\u0301'), ['symbol']);
  });

  it('applies only the rules a workspace policy turns on', () => {
    const lax: PasswordPolicy = {
      minLength: 1,
      requireUppercase: false,
      requireLowercase: false,
      requireDigit: false,
      requireSymbol: false,
    };
    assert.deepEqual(rules('a', lax), []);
    assert.deepEqual(checkPasswordPolicy('', lax), [{ rule: 'minLength', message: 'must be at least 1 character' }]);
    assert.deepEqual(rules('x'.repeat(1025), lax), ['maxBytes']);
    assert.deepEqual(rules('abcdefghijk', { ...lax, minLength: 12, requireDigit: true }), ['minLength', 'digit']);
  });

  it('validates a stored or submitted policy', () => {
    assert.equal(isValidPasswordPolicy(DEFAULT_PASSWORD_POLICY), true);
    assert.equal(isValidPasswordPolicy({ ...DEFAULT_PASSWORD_POLICY, minLength: 1 }), true);
    assert.equal(isValidPasswordPolicy({ ...DEFAULT_PASSWORD_POLICY, minLength: 1024 }), true);
    for (const bad of [
      null,
      undefined,
      'policy',
      [],
      {},
      { ...DEFAULT_PASSWORD_POLICY, minLength: 0 },
      { ...DEFAULT_PASSWORD_POLICY, minLength: 1025 },
      { ...DEFAULT_PASSWORD_POLICY, minLength: 6.5 },
      { ...DEFAULT_PASSWORD_POLICY, minLength: '6' },
      { ...DEFAULT_PASSWORD_POLICY, minLength: Number.NaN },
      { ...DEFAULT_PASSWORD_POLICY, requireSymbol: 'yes' },
      { minLength: 6, requireUppercase: true, requireLowercase: true, requireDigit: true },
    ]) {
      assert.equal(isValidPasswordPolicy(bad), false, JSON.stringify(bad));
    }
  });
});
