// Portal links: the operator's backend mints a short-lived sign-in link to the web console for one of its customers.
import { z } from 'zod';
import { Account, IsoDateTime } from '../primitives';

/** Scopes a portal token may carry: the account scopes (never the operator's admin). */
export const PortalScope = z.enum(['callbacks:read', 'callbacks:write', 'events:write', 'deliveries:read', 'deliveries:write'], {
  error: (issue) => `unknown scope ${JSON.stringify(issue.input)}; a portal link may carry callbacks:read, callbacks:write, events:write, deliveries:read, deliveries:write`,
});
export type PortalScope = z.infer<typeof PortalScope>;

/** What a portal link grants when the request names no scopes: everything but posting events. */
export const DEFAULT_PORTAL_SCOPES: readonly PortalScope[] = ['callbacks:read', 'callbacks:write', 'deliveries:read', 'deliveries:write'];
export const DEFAULT_PORTAL_TTL_SECONDS = 3600;
export const MIN_PORTAL_TTL_SECONDS = 60;

/** POST /admin/api/v1/portal_links. The longest ttl_seconds is the installation's token lifetime bound (24 h by default). */
export const CreatePortalLinkRequest = z.strictObject({
  account: Account.refine((account) => account !== 'admin', 'the account name "admin" is reserved for the operator API'),
  scopes: z
    .array(PortalScope)
    .min(1, 'scopes must name at least one scope (or be left out for the default)')
    .refine((scopes) => new Set(scopes).size === scopes.length, 'scopes must not repeat a scope')
    .optional(),
  ttl_seconds: z
    .number({ error: 'ttl_seconds must be a number of seconds' })
    .int('ttl_seconds must be an integer')
    .min(MIN_PORTAL_TTL_SECONDS, `ttl_seconds must be at least ${MIN_PORTAL_TTL_SECONDS}`)
    .optional(),
});
export type CreatePortalLinkRequest = z.infer<typeof CreatePortalLinkRequest>;

export const PortalLink = z.object({
  /** The console's address with the token in its fragment (#token=…), which browsers never send to a server. */
  url: z.string(),
  expires_at: IsoDateTime,
});
export type PortalLink = z.infer<typeof PortalLink>;
