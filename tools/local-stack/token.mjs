// `npm run token -- <account> [scope ...]`: prints a bearer token for the account with every scope
// (or the given ones); `npm run token -- --admin` prints an operator token (scope "admin", no account).
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const secret = process.env.HOOKMESH_JWT_SECRET ?? loadLocalEnv().HOOKMESH_JWT_SECRET;
  if (args[0] === '--admin') {
    console.log(await signToken(secret, null, ['admin']));
    process.exit(0);
  }
  const [account, ...scopes] = args;
  if (!account || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(account) || account === 'admin') {
    console.error('usage: npm run token -- <account> [scope ...]   (account: letters, digits, "_" and "-"; "admin" is reserved)');
    console.error('       npm run token -- --admin                 (an operator token for /admin/api/v1/...)');
    process.exit(2);
  }
  console.log(await signToken(secret, account, scopes.length > 0 ? scopes : ALL_SCOPES));
}
