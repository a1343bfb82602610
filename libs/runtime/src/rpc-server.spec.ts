import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServerTCP } from '@nestjs/microservices';
import { RpcServer } from './rpc-server';

class Ours extends RpcServer {
  route(pattern: string): string {
    return this.getRouteFromPattern(pattern);
  }
}
class Nests extends ServerTCP {
  route(pattern: string): string {
    return this.getRouteFromPattern(pattern);
  }
}

describe('RpcServer routing', () => {
  it('routes every pattern as Nest does, plain names without trying JSON.parse', () => {
    const ours = new Ours({ host: '127.0.0.1', port: 0 });
    const nests = new Nests({ host: '127.0.0.1', port: 0 });
    const patterns = [
      'auth.getAccount',
      'projector.profile',
      'x',
      'true',
      'null',
      'false',
      '1',
      '"auth.jwks"',
      '{"cmd":"a"}',
      '[1]',
      ' 2',
      '',
      '-1',
    ];
    for (const pattern of patterns) assert.equal(ours.route(pattern), nests.route(pattern), pattern);
  });
});
