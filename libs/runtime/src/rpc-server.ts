import { ServerTCP, type TcpOptions } from '@nestjs/microservices';
import { CoalescingJsonSocket } from './rpc-socket';

/** Begins with a letter: never JSON, unless one of JSON's three literals. */
const PLAIN_NAME = /^[A-Za-z]/;
const JSON_LITERALS = new Set(['true', 'false', 'null']);

/**
 * Nest's TCP server for the `@MessagePattern` handlers of an app (startApp), with two
 * differences that change no answer: its sockets send the replies of one event-loop turn in
 * one write (CoalescingJsonSocket), and a pattern that is a plain name (`auth.getAccount`) is
 * routed as itself. Nest first tries `JSON.parse` on every incoming pattern, which for a plain
 * name throws, and a thrown exception per request was about 20 µs of auth's time under load
 * (docs/benchmarks.md); for such a name its fallback gives the same route, the name itself.
 */
export class RpcServer extends ServerTCP {
  constructor(options: Required<TcpOptions>['options']) {
    super({ ...options, socketClass: CoalescingJsonSocket });
  }

  protected override getRouteFromPattern(pattern: string): string {
    if (typeof pattern === 'string' && PLAIN_NAME.test(pattern) && !JSON_LITERALS.has(pattern)) return pattern;
    return super.getRouteFromPattern(pattern);
  }
}
