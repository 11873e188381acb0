// Encryption at rest of signing secrets and tokens (AES-256-GCM), keyed by HOOKMESH_SECRETS_KEY.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sealed } from './messages';

export interface SealingKey {
  id: string;
  /** 32 bytes. */
  bytes: Buffer;
}

export class SealingError extends Error {
  override readonly name = 'SealingError';
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,32}$/;
const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;
const DEFAULT_KEY_ID = 'k1';

// The key id is bound as associated data, so a sealed value cannot be relabelled to another key.
function aadFor(kid: string): Buffer {
  return Buffer.from(`hookmesh-sealed-v1:${kid}`, 'utf8');
}

/** Encrypts `plaintext` with a fresh random 12-byte IV; the result names the key that sealed it. */
export function sealSecret(plaintext: string, key: SealingKey): Sealed {
  if (key.bytes.length !== 32) throw new SealingError(`sealing key ${key.id} must be 32 bytes, got ${key.bytes.length}`);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(aadFor(key.id));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { kid: key.id, iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), ct: ct.toString('base64url') };
}

/** Decrypts a sealed value with the key it names; throws SealingError when that key is absent or the value was tampered with. */
export function openSecret(sealed: Sealed, keys: readonly SealingKey[]): string {
  const key = keys.find((candidate) => candidate.id === sealed.kid);
  if (key === undefined) {
    throw new SealingError(`no key with id ${JSON.stringify(sealed.kid)} in HOOKMESH_SECRETS_KEY; keep retired keys listed until everything is re-sealed`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(sealed.iv, 'base64url'));
    decipher.setAAD(aadFor(sealed.kid));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SealingError(`sealed value under key ${JSON.stringify(sealed.kid)} failed authentication: wrong key material or tampered data`);
  }
}

/**
 * Parses HOOKMESH_SECRETS_KEY: comma-separated `<kid>:<base64 of 32 bytes>` entries, or one bare base64 key (kid "k1").
 * The first key seals; the others only open, which is how keys rotate. Messages never echo key material.
 */
export function parseSecretsKey(value: string): SealingKey[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new SealingError('HOOKMESH_SECRETS_KEY is empty: give "<kid>:<base64 of 32 bytes>" (e.g. from `openssl rand -base64 32`)');
  const keys = entries.map((entry, index): SealingKey => {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? DEFAULT_KEY_ID : entry.slice(0, colon);
    const encoded = colon === -1 ? entry : entry.slice(colon + 1);
    if (colon === -1 && entries.length > 1) {
      throw new SealingError(`HOOKMESH_SECRETS_KEY entry ${index + 1} has no key id; with several keys each must be "<kid>:<base64>"`);
    }
    if (!KEY_ID.test(id)) throw new SealingError(`HOOKMESH_SECRETS_KEY entry ${index + 1}: key id must be 1-32 letters, digits, "_", "." or "-"`);
    if (!BASE64_ANY.test(encoded)) throw new SealingError(`HOOKMESH_SECRETS_KEY entry ${index + 1} (${id}) is not base64`);
    const bytes = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length !== 32) throw new SealingError(`HOOKMESH_SECRETS_KEY entry ${index + 1} (${id}) must decode to 32 bytes, got ${bytes.length}`);
    return { id, bytes };
  });
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.id)) throw new SealingError(`HOOKMESH_SECRETS_KEY names key id ${JSON.stringify(key.id)} twice`);
    seen.add(key.id);
  }
  return keys;
}
