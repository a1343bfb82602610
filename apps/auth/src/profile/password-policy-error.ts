import type { ReplyError } from '@idstream/contracts';
import { checkPasswordPolicy, type PasswordPolicy } from '@idstream/crypto';

/** PASSWORD_POLICY naming every violated rule, or null when the password is acceptable. */
export function passwordPolicyError(password: string, policy: PasswordPolicy, field: string): ReplyError | null {
  const violations = checkPasswordPolicy(password, policy);
  if (violations.length === 0) return null;
  return {
    code: 'PASSWORD_POLICY',
    message: `The password ${violations.map((v) => v.message).join(', ')}`,
    errors: violations.map((v) => ({ field, message: `${v.rule}: ${v.message}` })),
  };
}
