import { JsonSocket } from '@nestjs/microservices';

/**
 * Nest's TCP framing (`<length>#<json>`, JsonSocket: the same bytes, limits and backpressure),
 * with the writes of one event-loop turn sent together: the first message of a turn corks the
 * socket and a `setImmediate` uncorks it, so the messages queued meanwhile (the RPC calls or
 * replies of every request that the turn's I/O callbacks moved on) leave in one `writev` and
 * reach the peer in one read. Under load that is one system call and one wake-up of the peer
 * for several messages instead of one each (docs/benchmarks.md, the light routes); an idle
 * connection waits only for the rest of the turn it is in, not for a timer. Used on both ends,
 * the gateway's clients (rpc.clients.ts) and every app's TCP server (startApp); the framing
 * is unchanged, so either end also talks to a plain JsonSocket.
 */
export class CoalescingJsonSocket extends JsonSocket {
  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.netSocket.uncork();
  };

  protected override handleSend(message: unknown, callback?: (err?: unknown) => void): void {
    if (!this.corked) {
      this.corked = true;
      this.netSocket.cork();
      setImmediate(this.uncork);
    }
    super.handleSend(message, callback);
  }
}
