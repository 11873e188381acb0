// /admin/api/v1/portal_links: the operator's backend mints a sign-in link to the web console for one customer account.
import { CreatePortalLinkRequest } from '@hookmesh/contracts';
import { HttpError, operatorOf, parseBody } from '@hookmesh/http';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { mintPortalLink, type PortalLinkSettings } from '../domain/portal-links';

export interface PortalLinkRouteDeps {
  portalLinks: PortalLinkSettings;
  log: Logger;
  now: () => Date;
}

/** Handlers of the portal-link routes, keyed by the contract's operationId. */
export function portalLinkHandlers(deps: PortalLinkRouteDeps): Record<'adminCreatePortalLink', RequestHandler> {
  return {
    async adminCreatePortalLink(req, res) {
      const request = parseBody(CreatePortalLinkRequest, req);
      const { token } = deps.portalLinks;
      if (token === undefined) {
        throw new HttpError({
          status: 501,
          title: 'Not Implemented',
          type: 'urn:hookmesh:problem:portal-links-unavailable',
          detail: 'This installation verifies tokens through HOOKMESH_JWKS_URL, so Hookmesh cannot sign them: issue the console token from your identity provider and open the console with #token=<jwt>.',
        });
      }
      const operator = operatorOf(res).subject;
      const link = await mintPortalLink({ ...token, consoleUrl: deps.portalLinks.consoleUrl }, request, operator, deps.now());
      // The link is a credential: log who minted one for whom and until when, never the link itself.
      (res.locals.log ?? deps.log).info({ account: request.account, operator, expires_at: link.expires_at, scopes: request.scopes ?? 'default' }, 'portal link minted');
      res.status(201).json(link);
    },
  };
}
