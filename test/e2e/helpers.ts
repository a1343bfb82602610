import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { TestSystem, TopicReader, testKafka, type AppName } from '@idstream/testing';

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

/** What a suite adds to the system it starts with `startSystemWithScan`. */
export interface SuiteHooks {
  /** The apps to start (all four when not given). */
  apps?: AppName[];
  /** The environment the apps start with, besides the system's own. */
  env?: Record<string, string>;
  /** After the system has started: the suite's own readers, clients and workspaces. */
  setUp?: () => Promise<unknown>;
  /** Before the system stops (it stops even when this fails): what setUp opened. */
  tearDown?: () => Promise<unknown>;
}

/**
 * Inside a describe: starts `system` before the tests and stops it after them, then runs the
 * Secrets proof (issue 9): no secret in any log line or in any message of this system's topics.
 */
export function startSystemWithScan(system: TestSystem, hooks: SuiteHooks = {}): void {
  before(async () => {
    await system.start(hooks.apps, hooks.env);
    await hooks.setUp?.();
  });
  after(async () => {
    try {
      await hooks.tearDown?.();
    } finally {
      await system.stop();
    }
    // The Secrets proof: no password, token or key, and no personal value in clear, anywhere.
    await system.assertNoSecretsLeaked();
  });
}

/** A started system with a reader of its identity topic and its default workspace (`identitySystem`). */
export interface IdentitySystem {
  readonly system: TestSystem;
  /** Reads identity.events from before the first test (sealed fields in clear when asked for). */
  readonly identity: TopicReader;
  /** The default workspace: the audience of an anonymous token of the system's client. */
  readonly workspaceId: string;
  /** The headers of a backend call with the workspace's server key. */
  readonly server: () => { authorization: string };
}

/** Inside a describe: `startSystemWithScan` on a new system, with the reader and workspace of IdentitySystem. */
export function identitySystem(kafkaClientId: string, options: { sealed?: boolean } = {}): IdentitySystem {
  const system = new TestSystem();
  const kafka = testKafka(kafkaClientId);
  let reader: TopicReader | undefined;
  let workspaceId = '';
  startSystemWithScan(system, {
    setUp: async () => {
      reader = await new TopicReader(kafka, system.topics.identityEvents, options.sealed ? system.sealedOpener() : undefined).start();
      workspaceId = claimsOf((await anonymous(system)).token).aud as string;
    },
    tearDown: async () => reader?.stop(),
  });
  return {
    system,
    get identity() {
      if (!reader) throw new Error('identitySystem: the identity reader starts before the first test');
      return reader;
    },
    get workspaceId() {
      return workspaceId;
    },
    server: () => ({ authorization: `Bearer ${system.serverKey}` }),
  };
}
