/** Why a session ended, with Synerise's names (`ClientSessionEndReason`). */
export const ClientSessionEndReason = {
  NOT_SPECIFIED: 'NOT_SPECIFIED',
  SESSION_EXPIRATION: 'SESSION_EXPIRATION',
  SECURITY_EXCEPTION: 'SECURITY_EXCEPTION',
  USER_SIGN_OUT: 'USER_SIGN_OUT',
  SYSTEM_SIGN_OUT: 'SYSTEM_SIGN_OUT',
  SESSION_DESTROYED: 'SESSION_DESTROYED',
  CLIENT_REJECTED: 'CLIENT_REJECTED',
  USER_ACCOUNT_DELETED: 'USER_ACCOUNT_DELETED',
} as const;
export type ClientSessionEndReason = (typeof ClientSessionEndReason)[keyof typeof ClientSessionEndReason];

/**
 * The server's session-close reasons (API.md: the `reason` of a 401 TOKEN_REVOKED) mapped to
 * Synerise's. A reason this SDK does not know yet (a newer server) is NOT_SPECIFIED.
 */
const FROM_SERVER: Record<string, ClientSessionEndReason> = {
  'sign-out': 'USER_SIGN_OUT',
  'sign-out-all': 'USER_SIGN_OUT',
  'password-changed': 'SECURITY_EXCEPTION',
  'password-reset': 'SECURITY_EXCEPTION',
  erased: 'CLIENT_REJECTED',
  'account-deleted': 'USER_ACCOUNT_DELETED',
  expired: 'SESSION_EXPIRATION',
  admin: 'SYSTEM_SIGN_OUT',
};

export function endReasonOf(code: string | null, serverReason: unknown): ClientSessionEndReason {
  if (code === 'TOKEN_EXPIRED') return 'SESSION_EXPIRATION';
  if (typeof serverReason === 'string' && Object.hasOwn(FROM_SERVER, serverReason)) return FROM_SERVER[serverReason]!;
  return 'NOT_SPECIFIED';
}

/** What `onStateChange` listeners receive, as Synerise's client-state delegate does. */
export interface ClientStateListener {
  signedIn?(): void;
  signedOut?(reason: ClientSessionEndReason): void;
}
