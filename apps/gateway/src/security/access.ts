import type { Role } from '@idstream/crypto';

/** What a route requires, declared with the decorators of access.decorators.ts. */
export type Access =
  | { kind: 'public' }
  | { kind: 'token'; roles: Role[]; scope?: string; optional?: boolean }
  | { kind: 'server-key' }
  | { kind: 'admin-key' };

export const ACCESS = 'idstream:access';
export const RATE_LIMITED = 'idstream:rate-limited';
