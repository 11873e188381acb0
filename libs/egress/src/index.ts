export { classifyAddress, addressAllowed, hostOf, isIpLiteral, type AddressClass, type TargetPolicy } from './address-policy';
export { resolveAllowedAddresses, systemResolver, EgressBlockedError, DnsResolutionError, type Resolver } from './resolve';
export { checkCallbackUrl, type UrlCheck, type UrlRule } from './callback-url';
export { createGuardedConnector, type GuardedConnectorOptions } from './connector';
