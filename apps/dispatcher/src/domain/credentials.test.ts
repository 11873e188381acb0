import { generatePlainSecret, generateSecret, parseSecretsKey, sealSecret, signingKeyOf, type CallbackState } from '@hookmesh/contracts';
import { randomBytes } from 'node:crypto';
import { createCredentialsCache, openCallbackCredentials } from './credentials';

const keys = parseSecretsKey(`k1:${randomBytes(32).toString('base64')}`);
const key = keys[0]!;
const now = new Date();

function callback(secrets: CallbackState['secrets'], token?: string): Pick<CallbackState, 'token' | 'secrets'> {
  return { secrets, ...(token === undefined ? {} : { token: sealSecret(token, key) }) };
}

describe('openCallbackCredentials', () => {
  it('opens the token and reads each live secret in its own format, newest first', () => {
    const [whsec, plain] = [generateSecret(), generatePlainSecret()];
    const credentials = openCallbackCredentials(
      callback([{ secret: sealSecret(plain, key), format: 'plain' }, { secret: sealSecret(whsec, key), expires_at: new Date(now.getTime() + 60_000).toISOString() }], 'tok'),
      keys,
      now,
    );
    expect(credentials.token).toBe('tok');
    expect(credentials.keys).toEqual([Buffer.from(plain, 'utf8'), Buffer.from(whsec.slice(6), 'base64')]);
  });

  it('leaves out secrets whose overlap has ended', () => {
    const fresh = generateSecret();
    const credentials = openCallbackCredentials(callback([{ secret: sealSecret(fresh, key) }, { secret: sealSecret(generateSecret(), key), expires_at: new Date(now.getTime() - 1).toISOString() }]), keys, now);
    expect(credentials.keys).toEqual([signingKeyOf(fresh, 'whsec')]);
  });

  it('still signs with the newest secret if every entry has expired', () => {
    const only = generateSecret();
    const credentials = openCallbackCredentials(callback([{ secret: sealSecret(only, key), expires_at: new Date(now.getTime() - 1).toISOString() }]), keys, now);
    expect(credentials.keys).toEqual([signingKeyOf(only, 'whsec')]);
  });

  it('throws when the sealing key is not configured', () => {
    const otherKeys = parseSecretsKey(`k9:${randomBytes(32).toString('base64')}`);
    expect(() => openCallbackCredentials(callback([{ secret: sealSecret(generateSecret(), key) }]), otherKeys, now)).toThrow(/no key with id/);
  });
});

describe('createCredentialsCache', () => {
  it('opens a state once, follows a new state object, and reopens when a rotated-out secret’s overlap ends', () => {
    const [fresh, old] = [generateSecret(), generateSecret()];
    const overlapEnds = new Date(now.getTime() + 60_000);
    const state = callback([{ secret: sealSecret(fresh, key) }, { secret: sealSecret(old, key), expires_at: overlapEnds.toISOString() }], 'tok');
    const credentialsOf = createCredentialsCache(keys);

    const first = credentialsOf(state, now);
    expect(first).toEqual({ token: 'tok', keys: [signingKeyOf(fresh, 'whsec'), signingKeyOf(old, 'whsec')] });
    expect(credentialsOf(state, new Date(now.getTime() + 59_999))).toBe(first);
    expect(credentialsOf(state, overlapEnds)).toEqual({ token: 'tok', keys: [signingKeyOf(fresh, 'whsec')] });

    const rotated = callback([{ secret: sealSecret(generateSecret(), key) }]);
    expect(credentialsOf(rotated, now)).not.toEqual(first);
  });
});
