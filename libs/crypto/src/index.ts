// @idstream/crypto: node:crypto and jose only; nothing from Nest, pg or Kafka (docs/architecture.md §2).
export { CURRENT_PASSWORD_PARAMS, PASSWORD_HASH_ALGORITHM, hashPassword, verifyPassword, type PasswordHashParams } from './password';
export {
  DEFAULT_PASSWORD_POLICY,
  MAX_PASSWORD_BYTES,
  MAX_POLICY_MIN_LENGTH,
  checkPasswordPolicy,
  isValidPasswordPolicy,
  type PasswordPolicy,
  type PasswordRule,
  type PolicyViolation,
} from './password-policy';
export { constantTimeEqual, randomToken, sha256Hex } from './secrets';
export {
  ACCESS_TOKEN_ALG,
  DEFAULT_TOKEN_ALGORITHM,
  TOKEN_ALGORITHMS,
  isTokenAlgorithm,
  type TokenAlgorithm,
  ANONYMOUS_SCOPE,
  CUSTOMER_SCOPE,
  ROLES,
  exportPrivateKey,
  generateSigningKey,
  hasScope,
  importSigningKey,
  jwkThumbprint,
  readAccessTokenClaims,
  scopeForRole,
  signAccessToken,
  type AccessTokenClaims,
  type PublicJwk,
  type Role,
  type SigningKey,
} from './tokens';
export {
  DEFAULT_CLOCK_TOLERANCE_SEC,
  KeySet,
  MAX_TOKEN_LENGTH,
  verifyAccessToken,
  type VerifyAccessTokenOptions,
  type VerifyFailure,
  type VerifyResult,
} from './key-set';
export { RevocationList } from './revocation-list';
export {
  DATA_KEY_BYTES,
  newDataKey,
  openIdentityEvent,
  openPaths,
  openValue,
  sealPaths,
  sealValue,
  sealedPathsOf,
  sealedProfileOf,
} from './sealed-values';
export { parseMasterKeys, unwrapDataKey, wrapDataKey, type MasterKeys } from './master-keys';
