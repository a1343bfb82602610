import type { Client } from 'openapi-fetch';
import type { Account } from './account-flow.client';
import type { paths } from './idstream-api.generated';

/*
 * Compiled with the client by openapi-client.spec.ts, never run: each @ts-expect-error must
 * meet an error, so a document whose bodies lose their types (untyped, `never` or
 * `Record<string, never>`) fails the check instead of passing silently.
 */
type IsAny<T> = 0 extends 1 & T ? true : false;
export const accountIsTyped: IsAny<Account> = false;
export const emailIsAString: Account['email'] = 'ada@example.com';

export async function misuses(client: Client<paths>): Promise<void> {
  // @ts-expect-error registration needs a password
  await client.POST('/v1/accounts', { body: { email: 'ada@example.com' } });
  // @ts-expect-error a password is a string
  await client.POST('/v1/auth/sign-in', { body: { email: 'ada@example.com', password: 1843 } });
  // @ts-expect-error no such route
  await client.GET('/v1/accounts/me');
  const account = await client.GET('/v1/account');
  // @ts-expect-error the account has no password field
  if (account.data) void account.data.password;
  // @ts-expect-error the status of a registration is one of two strings
  const status: 'deleted' = (await client.POST('/v1/accounts', { body: { email: 'a@b.c', password: 'x' } })).data!.status;
  void status;
  const found = await client.GET('/v1/backend/profiles', { params: { query: { email: 'ada@example.com' } } });
  // @ts-expect-error a lookup parameter is a string
  await client.GET('/v1/backend/profiles', { params: { query: { uuid: 42 } } });
  void found.data?.items[0]?.uuids;
}
