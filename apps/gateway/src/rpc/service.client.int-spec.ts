import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { ClientProxyFactory, JsonSocket, Transport } from '@nestjs/microservices';
import { ServiceClient } from './service.client';

type Packet = { id: string; pattern: string; data: unknown };

/** A peer speaking Nest's TCP framing on loopback, answering each pattern as the test says (or not at all). */
async function peer(answer: (packet: Packet) => object[] | null) {
  const server = net.createServer((raw) => {
    const socket = new JsonSocket(raw);
    socket.on('message', (packet: Packet) => {
      for (const reply of answer(packet) ?? []) socket.sendMessage({ id: packet.id, ...reply });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const client = (timeoutMs = 300) =>
    new ServiceClient('auth', ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } }), timeoutMs);
  return { client, port, close: () => server.close() };
}

const codeOf = async (call: Promise<unknown>) =>
  (
    (await call.then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    )) as { code: string }
  ).code;

describe('ServiceClient.call over Nest TCP (every outcome of a call)', () => {
  it('answers the value of an ok reply, and the error of a refused one as its code', async () => {
    const { client, close } = await peer(({ pattern, data }) =>
      pattern === 'ok'
        ? [{ response: { ok: true, value: data }, isDisposed: false }, { isDisposed: true }]
        : [{ response: { ok: false, error: { code: 'NO_ACCOUNT', message: 'none' } }, isDisposed: true }],
    );
    const service = client();
    try {
      assert.deepEqual(await service.call('ok', { n: 1 }), { n: 1 });
      assert.deepEqual(await Promise.all([service.call('ok', { n: 2 }), service.call('ok', { n: 3 })]), [{ n: 2 }, { n: 3 }]);
      assert.equal(await codeOf(service.call('refused', {})), 'NO_ACCOUNT');
    } finally {
      await service.close();
      close();
    }
  });

  it('a reply that is not a Reply, an error packet or a disposal without a value is INTERNAL', async () => {
    const { client, close } = await peer(({ pattern }) =>
      pattern === 'junk' ? [{ response: 42, isDisposed: true }] : pattern === 'err' ? [{ err: 'boom' }] : [{ isDisposed: true }],
    );
    const service = client();
    try {
      assert.equal(await codeOf(service.call('junk', {})), 'INTERNAL');
      assert.equal(await codeOf(service.call('err', {})), 'INTERNAL');
      assert.equal(await codeOf(service.call('empty', {})), 'INTERNAL');
    } finally {
      await service.close();
      close();
    }
  });

  it('no answer within the timeout, or nobody listening, is SERVICE_UNAVAILABLE, and a later call still goes through', async () => {
    let answering = false;
    const { client, port, close } = await peer(() => (answering ? [{ response: { ok: true, value: 'late' }, isDisposed: true }] : null));
    const service = client(150);
    try {
      assert.equal(await codeOf(service.call('slow', {})), 'SERVICE_UNAVAILABLE');
      answering = true;
      assert.equal(await service.call('slow', {}), 'late');
    } finally {
      await service.close();
      close();
    }
    const nobody = new ServiceClient(
      'auth',
      ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } }),
      1000,
    );
    assert.equal(await codeOf(nobody.call('any', {})), 'SERVICE_UNAVAILABLE');
    await nobody.close();
  });
});
