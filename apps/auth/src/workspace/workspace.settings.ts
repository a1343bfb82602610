import {
  EMAIL_CONFUSABLES_POLICIES,
  TOKEN_ALGORITHM_NAMES,
  allowedOriginsProblem,
  identityProvidersProblem,
  type ReplyError,
  type WorkspaceSettings,
  type WorkspaceSettingsPatch,
} from '@idstream/contracts';
import { DEFAULT_PASSWORD_POLICY, isValidPasswordPolicy } from '@idstream/crypto';

export const DEFAULT_WORKSPACE_SETTINGS: WorkspaceSettings = {
  name: 'Default',
  registrationMode: 'automatic',
  accessTokenTtlSeconds: 3600,
  sessionMaxLifetimeSeconds: 30 * 86_400,
  passwordPolicy: { ...DEFAULT_PASSWORD_POLICY },
  emailConfusables: 'refuse',
  allowedOrigins: [],
  requiredAgreements: [],
  tokenAlgorithm: 'EdDSA',
};

const AGREEMENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MODES = ['automatic', 'email-confirmation', 'email-activation', 'email-pin-activation'];

/** Merges a partial update into settings, or names every field that is wrong. Pure. */
export function mergeSettings(
  current: WorkspaceSettings,
  update: WorkspaceSettingsPatch,
  limits: { maxAccessTokenTtlSeconds: number },
): { ok: true; settings: WorkspaceSettings } | { ok: false; error: ReplyError } {
  const errors: { field: string; message: string }[] = [];
  const next: WorkspaceSettings = {
    ...current,
    ...update,
    passwordPolicy: { ...current.passwordPolicy, ...(update.passwordPolicy ?? {}) },
  };
  if (typeof next.name !== 'string' || next.name.length < 1 || next.name.length > 200)
    errors.push({ field: 'name', message: 'must be 1 to 200 characters' });
  if (!MODES.includes(next.registrationMode)) errors.push({ field: 'registrationMode', message: `must be one of ${MODES.join(', ')}` });
  const ttl = next.accessTokenTtlSeconds;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > limits.maxAccessTokenTtlSeconds) {
    errors.push({ field: 'accessTokenTtlSeconds', message: `must be a whole number from 60 to ${limits.maxAccessTokenTtlSeconds}` });
  }
  const life = next.sessionMaxLifetimeSeconds;
  if (!Number.isInteger(life) || life < 60 || life > 366 * 86_400 || (Number.isInteger(ttl) && life < ttl)) {
    errors.push({
      field: 'sessionMaxLifetimeSeconds',
      message: 'must be a whole number of seconds, at least the access-token TTL and at most 366 days',
    });
  }
  if (!EMAIL_CONFUSABLES_POLICIES.includes(next.emailConfusables))
    errors.push({ field: 'emailConfusables', message: `must be one of ${EMAIL_CONFUSABLES_POLICIES.join(', ')}` });
  if (!isValidPasswordPolicy(next.passwordPolicy))
    errors.push({ field: 'passwordPolicy', message: 'must have minLength 1..1024 and boolean require* flags' });
  if (!TOKEN_ALGORITHM_NAMES.includes(next.tokenAlgorithm))
    errors.push({ field: 'tokenAlgorithm', message: `must be one of ${TOKEN_ALGORITHM_NAMES.join(', ')}` });
  const originsProblem = allowedOriginsProblem(next.allowedOrigins);
  if (originsProblem) errors.push({ field: 'allowedOrigins', message: originsProblem });
  else next.allowedOrigins = [...new Set(next.allowedOrigins)];
  const providersProblem = identityProvidersProblem(next.identityProviders);
  if (providersProblem) errors.push({ field: 'identityProviders', message: providersProblem });
  const required = next.requiredAgreements ?? [];
  if (!Array.isArray(required) || required.length > 50 || required.some((n) => typeof n !== 'string' || !AGREEMENT_NAME.test(n)))
    errors.push({ field: 'requiredAgreements', message: 'must be at most 50 agreement names (letters, digits, _ or -, up to 64)' });
  else next.requiredAgreements = [...new Set(required)];
  if (errors.length > 0) return { ok: false, error: { code: 'VALIDATION_FAILED', message: 'Invalid workspace settings', errors } };
  return { ok: true, settings: next };
}
