import { randomUUID } from 'node:crypto';
import fc from 'fast-check';

/**
 * The cases of hostile-input.e2e-spec.ts: for each route of API.md's first part, requests built
 * so that the edge must refuse them. A case never holds a value the route would accept, so
 * "4xx and nothing changed" is the only right outcome.
 */

/** One request: a raw body text, and the path or query when they are the hostile part. */
export interface Case {
  label: string;
  body?: string;
  path?: string;
  query?: string;
}

export interface RouteSpec {
  method: string;
  path: string;
  headers: Record<string, string>;
  cases: fc.Arbitrary<Case>;
}

/** What a field is, for the values that must be refused in it. */
type Kind = 'line' | 'text' | 'email' | 'strict' | 'secret' | 'flags' | 'attributes';

/** Refused in every field: NUL, lone surrogates, non-characters (input-inspection.ts). */
const FORBIDDEN = [
  '\u0000',
  '\uD800',
  '\uDBFF',
  '\uDC00',
  '\uDFFF',
  '\uFDD0',
  '\uFDEF',
  '\uFFFE',
  '\uFFFF',
  '\uD83F\uDFFE',
  '\uDBFF\uDFFF',
];
/** Refused in single-line fields: ANSI sequences, line breaks (log forging), C0, DEL, C1. */
const CONTROL = [
  '\u001b[31m',
  '\u001b]0;owned\u0007',
  '\u001b[2J',
  '\r\n',
  '\n',
  '\r',
  '\u0007',
  '\u0008',
  '\t',
  '\u007f',
  '\u0085',
  '\u009b',
];
/** Classic injections: harmless as data, refused here because they sit in a field they cannot fit. */
const INJECTION = [
  "' OR '1'='1",
  "'; DROP TABLE auth.events; --",
  '") OR 1=1 --',
  "admin'--",
  '1; SELECT pg_sleep(30)',
  '$1',
  '\n{"level":"error","msg":"forged line"}',
  '%0d%0aSet-Cookie: a=b',
  '${jndi:ldap://x.test/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../etc/passwd',
];
const RESERVED_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
];

const short = fc.string({ maxLength: 12 });
const forbiddenString = fc
  .tuple(short, fc.constantFrom(...INJECTION, ''), fc.constantFrom(...FORBIDDEN), short)
  .map(([a, injection, bad, b]) => `${a}${injection}${bad}${b}`);
const hugeString = fc.integer({ min: 16_385, max: 60_000 }).map((n) => 'x'.repeat(n));
const alwaysRefused = fc.oneof(forbiddenString, hugeString);
const controlString = fc.tuple(short, fc.constantFrom(...CONTROL), short).map(([a, c, b]) => `${a}${c}${b}`);
const injection = fc.constantFrom(...INJECTION);
const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(short, { maxLength: 3 }),
);
const notAnObject = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), short, fc.array(fc.integer(), { maxLength: 3 }));

/** A JSON text nested `depth` levels below the field (arrays or objects). */
const deepText = fc
  .tuple(fc.integer({ min: 7, max: 5000 }), fc.boolean())
  .map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** Values (as JSON text) that the field of this kind must refuse. */
function refusedIn(kind: Kind): fc.Arbitrary<string> {
  const json = (value: fc.Arbitrary<unknown>) => value.map((v) => JSON.stringify(v));
  switch (kind) {
    case 'line':
      return json(fc.oneof(alwaysRefused, controlString, notAString));
    case 'text':
    case 'secret':
      return json(fc.oneof(alwaysRefused, notAString));
    case 'email':
    case 'strict':
      return json(fc.oneof(alwaysRefused, controlString, injection, notAString));
    case 'flags':
      return fc.oneof(
        json(notAnObject),
        json(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(short, fc.integer()), { minKeys: 1, maxKeys: 4 })),
        fc.constantFrom(...RESERVED_KEYS).map((key) => `{"${key}":true}`),
      );
    case 'attributes':
      return fc.oneof(
        json(notAnObject),
        deepText,
        fc
          .integer({ min: 101, max: 400 })
          .map((n) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))),
        fc.integer({ min: 257, max: 2000 }).map((n) => JSON.stringify({ list: new Array<number>(n).fill(1) })),
        json(fc.record({ note: alwaysRefused })),
        fc.tuple(fc.constantFrom(...RESERVED_KEYS), short).map(([key, v]) => `{"plan":"pro","nested":{"${key}":${JSON.stringify(v)}}}`),
        fc.constantFrom(...RESERVED_KEYS).map((key) => `{"${key}":{"polluted":true}}`),
      );
  }
}

/** Replaces `field` of the JSON object text of `valid` with `valueText`. */
function withField(valid: Record<string, unknown>, field: string, valueText: string): string {
  const rest = Object.entries(valid).filter(([name]) => name !== field);
  return `{${[...rest.map(([name, v]) => `${JSON.stringify(name)}:${JSON.stringify(v)}`), `${JSON.stringify(field)}:${valueText}`].join(',')}}`;
}

/** Cases for a JSON body: one field made hostile, a key that is not a field, a bad shape, or bad JSON. */
function bodyCases(valid: Record<string, unknown>, kinds: Record<string, Kind>): fc.Arbitrary<Case> {
  const fields = Object.keys(kinds);
  const text = JSON.stringify(valid);
  const hostileField = fc
    .constantFrom(...fields)
    .chain((field) => refusedIn(kinds[field]!).map((value) => ({ label: `field ${field}`, body: withField(valid, field, value) })));
  const extraKey = fc
    .oneof(
      fc.constantFrom(...RESERVED_KEYS),
      injection,
      fc.string({ minLength: 1, maxLength: 30 }).filter((key) => !fields.includes(key)),
    )
    .chain((key) =>
      fc.jsonValue({ maxDepth: 2 }).map((value) => ({
        label: `extra key ${JSON.stringify(key).slice(0, 40)}`,
        body: `{${JSON.stringify(key)}:${JSON.stringify(value)},${text.slice(1)}`,
      })),
    );
  const deepField = fc
    .constantFrom(...fields)
    .chain((field) => deepText.map((value) => ({ label: `deep ${field}`, body: withField(valid, field, value) })));
  const notAnObjectBody = fc
    .oneof(fc.constant('[]'), fc.constant('null'), fc.constant('0'), fc.constant('"x"'), fc.constant('true'), fc.constant(`[${text}]`))
    .map((body) => ({ label: `body ${body.slice(0, 20)}`, body }));
  return fc.oneof(
    { arbitrary: hostileField, weight: 4 },
    { arbitrary: extraKey, weight: 2 },
    { arbitrary: deepField, weight: 1 },
    { arbitrary: notAnObjectBody, weight: 1 },
    { arbitrary: malformedJson(text), weight: 1 },
  );
}

/** Texts that are not JSON: cut short, with garbage after, or random characters. */
function malformedJson(text: string): fc.Arbitrary<Case> {
  const isJson = (candidate: string) => {
    try {
      JSON.parse(candidate);
      return true;
    } catch {
      return false;
    }
  };
  return fc
    .oneof(
      fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((at) => text.slice(0, at)),
      fc.constantFrom(
        `${text}}`,
        `${text},`,
        `${text.slice(0, -1)},}`,
        text.replace(/"/g, "'"),
        `{${text}`,
        'NaN',
        'undefined',
        '{"a":01}',
      ),
      fc.string({ minLength: 1, maxLength: 40 }),
    )
    .filter((candidate) => candidate.trim() !== '' && !isJson(candidate))
    .map((body) => ({ label: 'malformed JSON', body }));
}

/**
 * Percent-encoded text that decodes to a character the edge refuses (a lone surrogate has no
 * UTF-8 form: its CESU bytes stay undecoded, see pathCases).
 */
const encodedHostile = fc.oneof(
  fc.constantFrom('%00', 'a%00b', '%EF%BF%BE', '%EF%BF%BF', '%EF%B7%90', '%F0%9F%BF%BE'),
  forbiddenString.filter((s) => !/[\uD800-\uDFFF]/.test(s)).map((s) => encodeURIComponent(s)),
);

/** Query strings the edge must refuse: hostile values, reserved names, too long. */
function queryCases(names: string[]): fc.Arbitrary<Case> {
  return fc.oneof(
    fc.tuple(fc.constantFrom(...names), encodedHostile).map(([name, value]) => ({ label: `query ${name}`, query: `?${name}=${value}` })),
    fc.constantFrom(...RESERVED_KEYS).map((key) => ({ label: `query key ${key}`, query: `?${key}=1` })),
    fc.integer({ min: 16_385, max: 40_000 }).map((n) => ({ label: 'query too long', query: `?${names[0]}=${'x'.repeat(n)}` })),
  );
}

/** Path segments the edge must refuse in place of `:param`. */
function pathCases(template: string): fc.Arbitrary<Case> {
  return fc
    .oneof(
      encodedHostile,
      fc.constantFrom('%ED%A0%80', '%FF', '%C0%AF'),
      injection.map((s) => encodeURIComponent(s)),
    )
    .map((segment) => ({ label: `path ${segment.slice(0, 30)}`, path: template.replace(/:[a-zA-Z]+/, segment) }));
}

/** A body on a route that takes none: still inspected, so a hostile one is refused. */
const hostileBodyCases: fc.Arbitrary<Case> = fc.oneof(
  alwaysRefused.map((value) => ({ label: 'hostile body', body: JSON.stringify({ note: value }) })),
  fc.constantFrom(...RESERVED_KEYS).map((key) => ({ label: `body key ${key}`, body: `{"${key}":{"polluted":true}}` })),
  deepText.map((body) => ({ label: 'deep body', body })),
  malformedJson('{"note":"x"}'),
);

export interface Fixtures {
  apiKey: string;
  anonToken: string;
  customerToken: string;
  serverKey: string;
  deviceUuid: string;
  profileId: string;
  email: string;
  password: string;
}

const PROFILE_KINDS: Record<string, Kind> = {
  firstName: 'line',
  lastName: 'line',
  displayName: 'line',
  phone: 'strict',
  customId: 'line',
  sex: 'line',
  birthDate: 'strict',
  company: 'line',
  address: 'text',
  city: 'line',
  province: 'line',
  zipCode: 'line',
  countryCode: 'strict',
};
const PROFILE = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  displayName: 'Ada L.',
  phone: '+44 20 7946 0958',
  customId: `c-${randomUUID()}`,
  sex: 'female',
  birthDate: '1815-12-10',
  company: 'Analytical Engines',
  address: '12 St James Square',
  city: 'London',
  province: 'London',
  zipCode: 'SW1Y 4JH',
  countryCode: 'GB',
};

/** Every route of API.md's first part that exists, with the cases it must refuse. */
export function routeCases(f: Fixtures): RouteSpec[] {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const anon = bearer(f.anonToken);
  const signedIn = bearer(f.customerToken);
  const server = bearer(f.serverKey);
  const oneTimeToken = 'k'.repeat(43);
  const event = { id: randomUUID(), type: 'view', label: 'home', occurredAt: new Date().toISOString(), params: { page: 1 } };
  const eventKinds: Record<string, Kind> = { id: 'strict', type: 'text', label: 'text', occurredAt: 'strict', params: 'attributes' };
  return [
    {
      method: 'POST',
      path: '/v1/auth/anonymous',
      headers: {},
      cases: bodyCases({ apiKey: f.apiKey, uuid: randomUUID() }, { apiKey: 'line', uuid: 'strict' }),
    },
    {
      method: 'POST',
      path: '/v1/accounts',
      headers: anon,
      cases: bodyCases(
        { email: f.email, password: f.password, ...PROFILE, agreements: { email: true }, attributes: { plan: 'pro' } },
        { email: 'email', password: 'secret', ...PROFILE_KINDS, agreements: 'flags', attributes: 'attributes' },
      ),
    },
    { method: 'POST', path: '/v1/accounts/confirm', headers: anon, cases: bodyCases({ token: oneTimeToken }, { token: 'line' }) },
    { method: 'POST', path: '/v1/accounts/confirm/resend', headers: anon, cases: bodyCases({ email: f.email }, { email: 'email' }) },
    {
      method: 'POST',
      path: '/v1/auth/sign-in',
      headers: anon,
      cases: bodyCases({ email: f.email, password: f.password }, { email: 'email', password: 'secret' }),
    },
    { method: 'POST', path: '/v1/auth/refresh', headers: signedIn, cases: fc.oneof(hostileBodyCases, queryCases(['x'])) },
    { method: 'POST', path: '/v1/auth/sign-out', headers: signedIn, cases: fc.oneof(hostileBodyCases, queryCases(['x'])) },
    { method: 'GET', path: '/v1/account', headers: signedIn, cases: queryCases(['fields', 'x']) },
    {
      method: 'PATCH',
      path: '/v1/account',
      headers: signedIn,
      cases: bodyCases(
        { ...PROFILE, agreements: { sms: false }, attributes: { plan: 'pro' } },
        { ...PROFILE_KINDS, agreements: 'flags', attributes: 'attributes' },
      ),
    },
    {
      method: 'POST',
      path: '/v1/account/password',
      headers: signedIn,
      cases: bodyCases(
        { currentPassword: f.password, newPassword: `${f.password}-2` },
        { currentPassword: 'secret', newPassword: 'secret' },
      ),
    },
    { method: 'POST', path: '/v1/auth/password-reset', headers: anon, cases: bodyCases({ email: f.email }, { email: 'email' }) },
    {
      method: 'POST',
      path: '/v1/auth/password-reset/confirm',
      headers: anon,
      cases: bodyCases({ token: oneTimeToken, password: f.password }, { token: 'line', password: 'secret' }),
    },
    {
      method: 'POST',
      path: '/v1/events',
      headers: anon,
      cases: fc.oneof(
        bodyCases(event, eventKinds),
        // A batch in which every event is hostile: nothing usable, so 400 (one good event would be taken).
        fc
          .array(bodyCases(event, eventKinds), { minLength: 1, maxLength: 5 })
          .map((items) => items.filter((item) => item.body !== undefined && item.body.startsWith('{') && isObjectText(item.body)))
          .filter((items) => items.length > 0)
          .map((items) => ({
            label: `batch of ${items.length}: ${items[0]!.label}`,
            body: `{"events":[${items.map((i) => i.body).join(',')}]}`,
          })),
      ),
    },
    { method: 'GET', path: '/.well-known/jwks.json', headers: {}, cases: queryCases(['kid']) },
    { method: 'GET', path: '/health/live', headers: {}, cases: queryCases(['x']) },
    { method: 'GET', path: '/health/ready', headers: {}, cases: queryCases(['x']) },
    {
      method: 'POST',
      path: '/v1/backend/profiles',
      headers: server,
      cases: bodyCases(
        { email: uniqueEmailLike(f.email), ...PROFILE, attributes: { plan: 'pro' } },
        { email: 'email', ...PROFILE_KINDS, attributes: 'attributes' },
      ),
    },
    {
      method: 'POST',
      path: `/v1/backend/clients/:uuid/recognize`,
      headers: server,
      cases: fc.oneof(
        pathCases('/v1/backend/clients/:uuid/recognize').map((c) => ({ ...c, body: JSON.stringify({ profileId: f.profileId }) })),
        bodyCases({ customId: 'c-1' }, { customId: 'line' }).map((c) => ({ ...c, path: `/v1/backend/clients/${f.deviceUuid}/recognize` })),
        bodyCases({ email: f.email }, { email: 'email' }).map((c) => ({ ...c, path: `/v1/backend/clients/${f.deviceUuid}/recognize` })),
        bodyCases({ profileId: f.profileId }, { profileId: 'line' }).map((c) => ({
          ...c,
          path: `/v1/backend/clients/${f.deviceUuid}/recognize`,
        })),
      ),
    },
    {
      method: 'GET',
      path: '/v1/backend/profiles/:profileId',
      headers: server,
      cases: fc.oneof(
        pathCases('/v1/backend/profiles/:profileId'),
        queryCases(['x']).map((c) => ({ ...c, path: `/v1/backend/profiles/${f.profileId}` })),
      ),
    },
    { method: 'GET', path: '/v1/backend/profiles', headers: server, cases: queryCases(['email', 'customId', 'uuid']) },
    { method: 'DELETE', path: '/v1/backend/profiles/:profileId', headers: server, cases: pathCases('/v1/backend/profiles/:profileId') },
  ];
}

function isObjectText(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Another address than the registration's, so that an import case cannot collide with it. */
function uniqueEmailLike(email: string): string {
  return `import.${email}`;
}
