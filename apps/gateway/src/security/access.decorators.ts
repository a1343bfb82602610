import { SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Role } from '@idstream/crypto';
import { ACCESS_EXTENSION, RATE_LIMITED_EXTENSION } from '../openapi/openapi.decorators';
import { AccessGuard } from './access.guard';
import { ACCESS, RATE_LIMITED, type Access } from './access';

/** The guard enforces the rule; the OpenAPI document derives each operation's security and auth errors from the same rule. */
const access = (rule: Access) => applyDecorators(SetMetadata(ACCESS, rule), UseGuards(AccessGuard), ApiExtension(ACCESS_EXTENSION, rule));

/** No credential (health, JWKS, the client-key route whose key is in the body). */
export const Public = () => access({ kind: 'public' });
/** An anonymous access token, with `scope` when given. */
export const Anonymous = (scope?: string) => access({ kind: 'token', roles: ['anonymous'], scope });
/** A customer access token, with `scope` when given. */
export const Customer = (scope?: string) => access({ kind: 'token', roles: ['customer'], scope });
/** An anonymous or customer access token. */
export const AnyToken = (scope?: string) => access({ kind: 'token', roles: ['anonymous', 'customer'] satisfies Role[], scope });
/** A token is not needed (links opened from a mail); one that is sent must still be valid. */
export const OptionalToken = () => access({ kind: 'token', roles: ['anonymous', 'customer'], optional: true });
/** `Authorization: Bearer <server key>` of a workspace; a client token gets 403. */
export const ServerKey = () => access({ kind: 'server-key' });
/** `Authorization: Bearer <IDSTREAM_ADMIN_KEY>`; 403 ADMIN_DISABLED when the variable is unset. */
export const AdminKey = () => access({ kind: 'admin-key' });
/** Per client IP token bucket (GATEWAY_RATE_LIMIT_*), checked before any credential. */
export const RateLimited = () => applyDecorators(SetMetadata(RATE_LIMITED, true), ApiExtension(RATE_LIMITED_EXTENSION, true));
