import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestSystem, waitFor } from '@idstream/testing';
import { anonymous, uniqueEmail, STRONG_PASSWORD } from './helpers';

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
}

/** A tiny OTLP/HTTP receiver: decodes JSON trace exports into flat spans. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') this.collect(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private collect(body: any): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '?';
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          this.spans.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined });
    }
  }
}

/** Issue 13 part 4: one registration is one trace, from the gateway to the projector. */
describe('tracing across every hop', () => {
  const system = new TestSystem();
  const receiver = new OtlpReceiver();

  before(async () => {
    const endpoint = await receiver.start();
    await system.start(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' });
  });
  after(async () => {
    await system.stop();
    await receiver.stop();
  });

  it('joins gateway, auth, relay and projector spans of one registration in one trace', async () => {
    const device = await anonymous(system);
    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const res = await system.http('POST', '/v1/accounts', {
      token: device.token,
      body: { email: uniqueEmail('traced'), password: STRONG_PASSWORD },
      headers: { traceparent: `00-${traceId}-1122334455667788-01` },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));

    const services = () => new Set(receiver.spans.filter((s) => s.traceId === traceId).map((s) => s.service));
    await waitFor(() => ['gateway', 'auth', 'profile-projector'].every((s) => services().has(s)), {
      timeoutMs: 30_000,
      what: 'spans of gateway, auth and projector',
    });
    const trace = receiver.spans.filter((s) => s.traceId === traceId);
    const byName = (name: string) => trace.find((s) => s.name.startsWith(name));
    const server = byName('POST /v1/accounts');
    const command = byName('auth register');
    const publish = byName('publish identity');
    const consume = trace.find((s) => s.service === 'profile-projector' && s.name.startsWith('consume'));
    assert.ok(server && command && publish && consume, JSON.stringify(trace, null, 1));
    assert.equal(server.service, 'gateway');
    assert.equal(server.parentSpanId, '1122334455667788');
    assert.equal(command.service, 'auth');
    assert.equal(command.parentSpanId, server.spanId);
    assert.equal(publish.service, 'auth');
    assert.equal(publish.parentSpanId, command.spanId);
    assert.equal(consume.parentSpanId, publish.spanId);
  });

  it('joins a tracking request and the ingester batch that handles it', async () => {
    const device = await anonymous(system);
    const traceId = 'b1b2c3d4e5f60718293a4b5c6d7e8f91';
    const res = await system.http('POST', '/v1/events', {
      token: device.token,
      body: { events: [{ id: randomUUID(), type: 'screen_view', label: 'home' }] },
      headers: { traceparent: `00-${traceId}-2122334455667788-01` },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor(() => inTrace().some((s) => s.service === 'tracking-ingester'), { timeoutMs: 30_000, what: 'the ingester span' });
    const server = inTrace().find((s) => s.name === 'POST /v1/events');
    const consume = inTrace().find((s) => s.service === 'tracking-ingester');
    assert.ok(server && consume, JSON.stringify(inTrace(), null, 1));
    assert.equal(consume.parentSpanId, server.spanId);
  });
});
