// A NATS transport that writes at most once per event-loop turn. nats.js flushes its outbound buffer in a microtask
// after the first command of a synchronous run, so a service finishing one HTTP response or one PubAck per I/O
// callback (the dispatcher's attempts, audit's acks) made one write system call per publish or ack: the largest item
// of the dispatcher's CPU profile on a VM where system calls are expensive (docs/benchmarks.md). Corking the socket
// until the end of the turn makes every write of the turn one writev, at the cost of delaying them to the end of the
// turn (well under a millisecond).
import { NatsConnectionImpl, setTransportFactory, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport';

/** A NodeTransport whose writes of one event-loop turn leave in one system call. */
export class CoalescedTransport extends NodeTransport {
  private corked = false;

  override send(frame: Uint8Array): void {
    const socket = this.socket;
    if (socket !== undefined && !this.corked && !socket.destroyed) {
      this.corked = true;
      socket.cork();
      setImmediate(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    super.send(frame);
  }
}

/** nats.js's `connect` for Node, with the coalescing transport. */
export function connectCoalesced(options: ConnectionOptions): Promise<NatsConnection> {
  // The factory is process-wide in nats.js (its own `connect` sets it on every call the same way).
  setTransportFactory({ factory: () => new CoalescedTransport(), dnsResolveFn: nodeResolveHost });
  return NatsConnectionImpl.connect(options);
}
