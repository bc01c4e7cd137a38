// One-way, memory-hard hashing of passwords and PINs (E2.16): scrypt from node:crypto with a
// per-secret random salt. The parameters are stored with the hash, so the cost can be raised
// later without invalidating existing hashes.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

function maxmem(cost: number): number {
  return 128 * cost * BLOCK_SIZE * 2 + 1024 * 1024;
}

export async function hashSecret(secret: string, cost: number): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, { N: cost, r: BLOCK_SIZE, p: PARALLELISM, maxmem: maxmem(cost) });
  return `scrypt$${cost}$${BLOCK_SIZE}$${PARALLELISM}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltText, keyText] = parts as [string, string, string, string, string, string];
  const cost = Number(n);
  const expected = Buffer.from(keyText, 'base64url');
  const key = await scrypt(secret.normalize('NFC'), Buffer.from(saltText, 'base64url'), expected.length, {
    N: cost,
    r: Number(r),
    p: Number(p),
    maxmem: maxmem(cost) * Number(r) / BLOCK_SIZE,
  });
  return crypto.timingSafeEqual(key, expected);
}
