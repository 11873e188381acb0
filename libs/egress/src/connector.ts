import { buildConnector } from 'undici';
import { isIpLiteral, type TargetPolicy } from './address-policy';
import { resolveAllowedAddresses, systemResolver, type Resolver } from './resolve';

export type GuardedConnectorOptions = buildConnector.BuildOptions & {
  policy: TargetPolicy;
  resolver?: Resolver;
};

/**
 * An undici connector that resolves the host itself, refuses non-public answers, and dials the very
 * address it checked (keeping the name for TLS SNI and certificate checks), so a DNS answer that
 * changes between check and connect (rebinding) cannot reach an internal address.
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const { policy, resolver = systemResolver, ...connectOptions } = options;
  const connect = buildConnector(connectOptions);
  return (opts, callback) => {
    const hostname = opts.hostname.startsWith('[') ? opts.hostname.slice(1, -1) : opts.hostname;
    resolveAllowedAddresses(hostname, policy, resolver).then(
      (addresses) => {
        const address = addresses[0]!;
        const servername = opts.servername ?? (isIpLiteral(hostname) ? undefined : hostname);
        connect({ ...opts, hostname: address, ...(servername ? { servername } : {}) }, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
}
