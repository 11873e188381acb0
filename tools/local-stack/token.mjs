// `npm run token -- <account> [scope ...]`: prints a bearer token for the account with every scope
// (or the given ones); `npm run token -- --admin` prints an operator token (scope "admin", no account);
// `npm run token -- <account> --portal [scope ...]` asks the running subscription-service for a console portal link.
// Signed with HOOKMESH_JWT_SECRET or the local stack's secret.
import { SignJWT } from 'jose';
import { loadLocalEnv } from './local-env.mjs';

const ALL_SCOPES = ['callbacks:read', 'callbacks:write', 'events:write', 'deliveries:read', 'deliveries:write'];

/** Signs an HS256 token for the account (or, with account null, an operator token), valid for 12 hours. */
export async function signToken(secret, account, scopes = ALL_SCOPES) {
  return new SignJWT({ ...(account === null ? {} : { account }), scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(account === null ? 'dev:operator' : `dev:${account}`)
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(secret));
}

/**
 * Asks subscription-service (POST /admin/api/v1/portal_links, as the operator) for a console sign-in link for the
 * account; `scopes` empty means the service's default (all but events:write). Resolves to { url, expires_at }.
 */
export async function requestPortalLink(secret, account, { scopes = [], ttlSeconds, subscriptionUrl = 'http://127.0.0.1:3001' } = {}) {
  const operator = await signToken(secret, null, ['admin']);
  let response;
  try {
    response = await fetch(`${subscriptionUrl}/admin/api/v1/portal_links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ account, ...(scopes.length > 0 ? { scopes } : {}), ...(ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds }) }),
    });
  } catch {
    throw new Error(`subscription-service does not answer at ${subscriptionUrl}: start the stack with \`npm run up\` (or set HOOKMESH_SUBSCRIPTION_URL)`);
  }
  const body = await response.json().catch(() => ({}));
  if (response.status !== 201) throw new Error(`portal link refused (${response.status}): ${body.detail ?? JSON.stringify(body)}`);
  return body;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const secret = process.env.HOOKMESH_JWT_SECRET ?? loadLocalEnv().HOOKMESH_JWT_SECRET;
  if (args[0] === '--admin') {
    console.log(await signToken(secret, null, ['admin']));
    process.exit(0);
  }
  const portal = args.includes('--portal');
  const [account, ...scopes] = args.filter((arg) => arg !== '--portal');
  if (!account || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(account) || account === 'admin') {
    console.error('usage: npm run token -- <account> [scope ...]            (account: letters, digits, "_" and "-"; "admin" is reserved)');
    console.error('       npm run token -- <account> --portal [scope ...]   (a sign-in link to the console, from the running stack)');
    console.error('       npm run token -- --admin                          (an operator token for /admin/api/v1/...)');
    process.exit(2);
  }
  if (portal) {
    try {
      const link = await requestPortalLink(secret, account, { scopes, subscriptionUrl: process.env.HOOKMESH_SUBSCRIPTION_URL });
      console.log(link.url);
      console.error(`(valid until ${link.expires_at})`);
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
  } else {
    console.log(await signToken(secret, account, scopes.length > 0 ? scopes : ALL_SCOPES));
  }
}
