// Whether the NATS connection is up right now, so ingest can refuse at once instead of queueing into a dead socket.
import type { NatsConnection } from '@hookmesh/messaging';

/** A live view of one NATS connection's state. */
export interface ConnectionState {
  /** False between a disconnect and the next reconnect, and once the connection is closed. */
  isConnected(): boolean;
}

/**
 * Follows the connection's status events. While disconnected, nats.js would buffer a publish and only time it out
 * later; answering 503 at once keeps the producer's retry fast and leaves nothing in that buffer.
 */
export function trackConnectionState(nc: NatsConnection): ConnectionState {
  let connected = !nc.isClosed();
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') connected = false;
      else if (status.type === 'reconnect') connected = true;
    }
    connected = false;
  })();
  void nc.closed().then(() => {
    connected = false;
  });
  return {
    isConnected: () => connected && !nc.isClosed(),
  };
}
