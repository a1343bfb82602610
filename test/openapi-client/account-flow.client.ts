import createClient from 'openapi-fetch';
import type { components, paths } from './idstream-api.generated';

/*
 * A client of idstream typed only by the types openapi-typescript generates from
 * docs/openapi.json, as an app developer would write it: anonymous → register → sign-in →
 * account → sign-out. openapi-client.spec.ts typechecks it against freshly generated types;
 * test/e2e/openapi-client.e2e-spec.ts runs it against the whole system.
 */
export type Account = components['schemas']['AccountResponse'];
type Problem = components['schemas']['ProblemSchema'];

export interface AccountFlow {
  uuid: string;
  profileId: string;
  registeredStatus: components['schemas']['RegisterResponse']['status'];
  account: Account;
  /** What the customer token gets once signed out: 401 with this code. */
  afterSignOut: { status: number; code: Problem['code'] | undefined };
}

export class FlowStepFailed extends Error {
  constructor(step: string, status: number, problem: Problem | undefined) {
    super(`${step}: ${status} ${problem ? `${problem.code} ${problem.detail}` : ''}`);
  }
}

export async function runAccountFlow(baseUrl: string, apiKey: string, email: string, password: string): Promise<AccountFlow> {
  const client = createClient<paths>({ baseUrl });

  const device = await client.POST('/v1/auth/anonymous', { body: { apiKey } });
  if (!device.data) throw new FlowStepFailed('anonymous', device.response.status, device.error);
  const anonymous = { Authorization: `Bearer ${device.data.token}` };

  const registered = await client.POST('/v1/accounts', {
    headers: anonymous,
    body: { email, password, firstName: 'Ada', agreements: { email: true }, attributes: { plan: 'gold' } },
  });
  if (!registered.data) throw new FlowStepFailed('register', registered.response.status, registered.error);

  const signedIn = await client.POST('/v1/auth/sign-in', { headers: anonymous, body: { email, password } });
  if (!signedIn.data) throw new FlowStepFailed('sign-in', signedIn.response.status, signedIn.error);
  const customer = { Authorization: `Bearer ${signedIn.data.token}` };

  const account = await client.GET('/v1/account', { headers: customer });
  if (!account.data) throw new FlowStepFailed('account', account.response.status, account.error);

  const signedOut = await client.POST('/v1/auth/sign-out', { headers: customer });
  if (signedOut.response.status !== 204) throw new FlowStepFailed('sign-out', signedOut.response.status, signedOut.error);

  const after = await client.GET('/v1/account', { headers: customer });
  return {
    uuid: device.data.uuid,
    profileId: signedIn.data.profileId,
    registeredStatus: registered.data.status,
    account: account.data,
    afterSignOut: { status: after.response.status, code: after.error?.code },
  };
}
