import { randomUUID } from 'node:crypto';
import type { TestSystem } from '@idstream/testing';

/** The claims of a JWT, read without verifying (the test checks what the server put there). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export const uniqueEmail = (label = 'user'): string => `${label}.${randomUUID().slice(0, 8)}@Example.test`;
export const STRONG_PASSWORD = 'Str0ng!pass';

/** An anonymous device: a fresh uuid and its anonymous token. */
export async function anonymous(system: TestSystem, apiKey = system.clientApiKey): Promise<{ token: string; uuid: string }> {
  const res = await system.http('POST', '/v1/auth/anonymous', { body: { apiKey, uuid: randomUUID() } });
  if (res.status !== 200) throw new Error(`anonymous: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A registered and signed-in customer of the default workspace (automatic mode). */
export async function customer(
  system: TestSystem,
  password = STRONG_PASSWORD,
): Promise<{ email: string; password: string; profileId: string; token: string; uuid: string; anonToken: string }> {
  const device = await anonymous(system);
  const email = uniqueEmail();
  const reg = await system.http('POST', '/v1/accounts', { token: device.token, body: { email, password } });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const signIn = await system.http('POST', '/v1/auth/sign-in', { token: device.token, body: { email, password } });
  if (signIn.status !== 200) throw new Error(`sign-in: ${signIn.status} ${JSON.stringify(signIn.body)}`);
  return { email, password, profileId: signIn.body.profileId, token: signIn.body.token, uuid: device.uuid, anonToken: device.token };
}

/** Parsed identity envelopes of one workspace read so far. */
export function eventsOf(
  messages: { value: string | null }[],
  workspaceId: string,
): { id: string; type: string; aggregateId: string; sequence: number; workspaceId: string; data: any; [k: string]: unknown }[] {
  return messages.flatMap((m) => {
    try {
      const e = JSON.parse(m.value ?? '');
      return e.workspaceId === workspaceId ? [e] : [];
    } catch {
      return [];
    }
  });
}
