import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TestSystem, repoRoot } from '@idstream/testing';
import { runAccountFlow } from '../openapi-client/account-flow.client';
import { STRONG_PASSWORD, uniqueEmail } from './helpers';

/** One sample of a counter or gauge in Prometheus text, 0 when absent. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    if (series === name || (series!.startsWith(`${name}{`) && wanted.every((l) => series!.includes(l)))) return Number(value);
  }
  return 0;
}

/**
 * Issue 13 end to end: the openapi-fetch client typed by the generated types runs anonymous →
 * register → sign-in → account → sign-out against the whole system; the gateway serves the
 * checked-in document, and its /metrics count the flow by route pattern without personal data.
 */
describe('the typed OpenAPI client and the gateway metrics end to end', () => {
  const system = new TestSystem();
  before(async () => {
    await system.start();
  });
  after(async () => {
    await system.stop();
  });

  const metrics = async () => {
    const response = await fetch(`${system.gatewayUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    return response.text();
  };

  it('serves the checked-in document at /docs/openapi.json (but for the server it names)', async () => {
    const served = (await (await fetch(`${system.gatewayUrl}/docs/openapi.json`)).json()) as Record<string, unknown>;
    const checkedIn = JSON.parse(readFileSync(path.join(repoRoot(), 'docs/openapi.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual({ ...served, servers: [] }, { ...checkedIn, servers: [] });
  });

  it('runs anonymous → register → sign-in → account → sign-out with the generated types, and /metrics counts it', async () => {
    const before = await metrics();
    const email = uniqueEmail('openapi');
    const flow = await runAccountFlow(system.gatewayUrl, system.clientApiKey, email, STRONG_PASSWORD);
    assert.equal(flow.registeredStatus, 'active');
    assert.equal(flow.account.profileId, flow.profileId);
    assert.equal(flow.account.email, email);
    assert.equal(flow.account.firstName, 'Ada');
    assert.deepEqual(flow.account.attributes, { plan: 'gold' });
    assert.deepEqual(flow.afterSignOut, { status: 401, code: 'TOKEN_REVOKED' });

    const text = await metrics();
    const count = (m: string, route: string, method: string, status: string) =>
      sample(m, 'idstream_gateway_http_requests_total', { route, method, status });
    assert.equal(count(text, '/v1/account', 'GET', '200') - count(before, '/v1/account', 'GET', '200'), 1);
    assert.equal(count(text, '/v1/account', 'GET', '401') - count(before, '/v1/account', 'GET', '401'), 1);
    assert.equal(count(text, '/v1/accounts', 'POST', '201') - count(before, '/v1/accounts', 'POST', '201'), 1);
    assert.ok(sample(text, 'idstream_gateway_http_request_duration_seconds_count', { route: '/v1/auth/sign-in' }) >= 1);
    assert.match(text, /^idstream_gateway_http_requests_in_flight \d+/m);
    for (const secret of [flow.profileId, flow.uuid, email, email.toLowerCase(), system.clientApiKey])
      assert.ok(!text.includes(secret), 'no id, email or key in /metrics');
  });

  it('counts a profile read under its route pattern, not its path', async () => {
    const response = await system.http('GET', '/v1/backend/profiles/no-such-profile', {
      headers: { authorization: `Bearer ${system.serverKey}` },
    });
    assert.equal(response.status, 404);
    const text = await metrics();
    assert.ok(
      sample(text, 'idstream_gateway_http_requests_total', { route: '/v1/backend/profiles/:profileId', method: 'GET', status: '404' }) >= 1,
    );
    assert.ok(!text.includes('no-such-profile'));
  });
});
