import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { JsonSocket } from '@nestjs/microservices';
import { CoalescingJsonSocket } from './rpc-socket';

/** A loopback pair: the raw chunks the peer reads, and the messages a plain JsonSocket makes of them. */
async function pair() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const raw = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(raw, 'connect');
  const [peer] = await accepted;
  const chunks: string[] = [];
  const messages: unknown[] = [];
  peer.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  new JsonSocket(peer).on('message', (message: unknown) => messages.push(message));
  const socket = new CoalescingJsonSocket(raw);
  const until = async (count: number) => {
    for (let i = 0; i < 200 && messages.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const close = () => {
    raw.destroy();
    peer.destroy();
    server.close();
  };
  return { socket, chunks, messages, until, close };
}

describe('CoalescingJsonSocket (the RPC framing, one write per event-loop turn)', () => {
  it('sends the messages of one turn in one write, in order, readable by a plain JsonSocket', async () => {
    const { socket, chunks, messages, until, close } = await pair();
    try {
      const written: number[] = [];
      socket.sendMessage({ id: 1, data: 'é' }, () => written.push(1));
      socket.sendMessage({ id: 2, data: 'b' }, () => written.push(2));
      socket.sendMessage({ id: 3, data: 'c' }, () => written.push(3));
      await until(3);
      assert.deepEqual(messages, [
        { id: 1, data: 'é' },
        { id: 2, data: 'b' },
        { id: 3, data: 'c' },
      ]);
      assert.equal(chunks.length, 1, 'one write for the turn');
      assert.deepEqual(written, [1, 2, 3], 'every write callback is called');
    } finally {
      close();
    }
  });

  it('a message of a later turn leaves on its own, without waiting for more', async () => {
    const { socket, chunks, messages, until, close } = await pair();
    try {
      socket.sendMessage({ id: 1 });
      await until(1);
      await new Promise((resolve) => setImmediate(resolve));
      socket.sendMessage({ id: 2 });
      await until(2);
      assert.deepEqual(messages, [{ id: 1 }, { id: 2 }]);
      assert.equal(chunks.length, 2);
    } finally {
      close();
    }
  });
});
