import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Sealed } from './messages';
import { openSecret, parseSecretsKey, sealSecret, SealingError } from './sealing';

const keyText = () => randomBytes(32).toString('base64');

describe('sealing', () => {
  it('round-trips a secret and records the key id', () => {
    const [key] = parseSecretsKey(`main:${keyText()}`);
    const sealed = sealSecret('whsec_abc', key!);
    expect(Sealed.safeParse(sealed).success).toBe(true);
    expect(sealed.kid).toBe('main');
    expect(openSecret(sealed, [key!])).toBe('whsec_abc');
  });

  it('uses a fresh IV each time', () => {
    const [key] = parseSecretsKey(keyText());
    expect(sealSecret('same', key!).iv).not.toBe(sealSecret('same', key!).iv);
  });

  it('rejects key material that does not match the kid', () => {
    const sealed = sealSecret('secret', { id: 'k1', bytes: randomBytes(32) });
    expect(() => openSecret(sealed, [{ id: 'k1', bytes: randomBytes(32) }])).toThrow(SealingError);
  });

  it('rejects a sealed value whose key id is not configured', () => {
    const sealed = sealSecret('secret', { id: 'old', bytes: randomBytes(32) });
    expect(() => openSecret(sealed, [{ id: 'new', bytes: randomBytes(32) }])).toThrow(/no key with id "old"/);
  });

  it('rejects tampered ciphertext', () => {
    const key = { id: 'k1', bytes: randomBytes(32) };
    const sealed = sealSecret('secret', key);
    const flipped = Buffer.from(sealed.ct, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => openSecret({ ...sealed, ct: flipped.toString('base64url') }, [key])).toThrow(SealingError);
  });

  it('rotates keys: the first key seals, older ones still open what they sealed', () => {
    const oldText = keyText();
    const [oldKey] = parseSecretsKey(`k1:${oldText}`);
    const sealedBefore = sealSecret('token-1', oldKey!);
    const keys = parseSecretsKey(`k2:${keyText()},k1:${oldText}`);
    expect(keys.map((key) => key.id)).toEqual(['k2', 'k1']);
    expect(openSecret(sealedBefore, keys)).toBe('token-1');
    expect(sealSecret('token-2', keys[0]!).kid).toBe('k2');
  });
});

describe('parseSecretsKey', () => {
  it('names a bare base64 key k1', () => {
    expect(parseSecretsKey(keyText())[0]?.id).toBe('k1');
  });

  it('accepts base64url key text', () => {
    expect(parseSecretsKey(`k9:${randomBytes(32).toString('base64url')}`)[0]?.bytes).toHaveLength(32);
  });

  it('rejects keys that are not 32 bytes, duplicated kids and empty input without echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parseSecretsKey(short)).toThrow(/must decode to 32 bytes, got 16/);
    const message = (() => {
      try {
        parseSecretsKey(short);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).not.toContain(short);
    const text = keyText();
    expect(() => parseSecretsKey(`a:${text},a:${text}`)).toThrow(/twice/);
    expect(() => parseSecretsKey(' ')).toThrow(/empty/);
    expect(() => parseSecretsKey(`${text},k2:${text}`)).toThrow(/no key id/);
  });
});
