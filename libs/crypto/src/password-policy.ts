/**
 * Password policy, ARCHITECTURE §7: a per-workspace override of the default (at least 6
 * characters with an uppercase letter, a lowercase letter, a digit and a non-alphanumeric
 * character). The byte ceiling is not part of the policy: it holds for every workspace.
 */
export interface PasswordPolicy {
  minLength: number;
  requireUppercase: boolean;
  requireLowercase: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({
  minLength: 6,
  requireUppercase: true,
  requireLowercase: true,
  requireDigit: true,
  requireSymbol: true,
});

export const MAX_PASSWORD_BYTES = 1024;
/** The largest minLength a policy may ask for (a code point is at least one byte). */
export const MAX_POLICY_MIN_LENGTH = 1024;

export type PasswordRule = 'minLength' | 'maxBytes' | 'uppercase' | 'lowercase' | 'digit' | 'symbol';

export interface PolicyViolation {
  rule: PasswordRule;
  message: string;
}

const UPPERCASE = /\p{Lu}/u;
const LOWERCASE = /\p{Ll}/u;
const DIGIT = /\p{Nd}/u;
// A symbol is anything that is not a letter or a decimal digit. Combining marks (\p{M}) belong
// to the letter they decorate, so a decomposed "é" is not a symbol; a space is one.
const SYMBOL = /[^\p{L}\p{M}\p{Nd}]/u;

function codePointCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Returns every rule the password breaks, in a stable order; [] when it is acceptable. */
export function checkPasswordPolicy(password: string, policy: PasswordPolicy): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  if (codePointCount(password) < policy.minLength) {
    const unit = policy.minLength === 1 ? 'character' : 'characters';
    violations.push({ rule: 'minLength', message: `must be at least ${policy.minLength} ${unit}` });
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    violations.push({ rule: 'maxBytes', message: `must be at most ${MAX_PASSWORD_BYTES} bytes` });
  }
  if (policy.requireUppercase && !UPPERCASE.test(password)) {
    violations.push({ rule: 'uppercase', message: 'must contain an uppercase letter' });
  }
  if (policy.requireLowercase && !LOWERCASE.test(password)) {
    violations.push({ rule: 'lowercase', message: 'must contain a lowercase letter' });
  }
  if (policy.requireDigit && !DIGIT.test(password)) {
    violations.push({ rule: 'digit', message: 'must contain a digit' });
  }
  if (policy.requireSymbol && !SYMBOL.test(password)) {
    violations.push({ rule: 'symbol', message: 'must contain a character that is not a letter or a digit' });
  }
  return violations;
}

/** For a workspace's stored or submitted override. Extra properties are tolerated. */
export function isValidPasswordPolicy(value: unknown): value is PasswordPolicy {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const candidate = value as Record<string, unknown>;
  const { minLength } = candidate;
  return (
    typeof minLength === 'number' &&
    Number.isInteger(minLength) &&
    minLength >= 1 &&
    minLength <= MAX_POLICY_MIN_LENGTH &&
    typeof candidate.requireUppercase === 'boolean' &&
    typeof candidate.requireLowercase === 'boolean' &&
    typeof candidate.requireDigit === 'boolean' &&
    typeof candidate.requireSymbol === 'boolean'
  );
}
