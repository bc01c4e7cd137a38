// Server secrets: never constants in code. Each comes from the environment when configured,
// otherwise it is generated on first start and kept in the data directory (mode 0600).
// Several servers on one database must share them: configure JWT_SECRET, BADGE_SECRET,
// PIN_PEPPER, SIGNING_KEY and BACKUP_KEY identically, or set each server up from the escrow
// (`tachiai secrets export` / `import`, docs/operations.md). None of them is ever written to the
// database or into a backup.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from './config.js';

/** A public signing key and its id (the first 16 hex digits of SHA-256 of its SPKI DER). */
export interface PublicSigningKey {
  publicKey: crypto.KeyObject;
  publicKeyPem: string;
  keyId: string;
}

/** The server's Ed25519 key: it signs journal checkpoints and witness signatures. */
export interface SigningKeys extends PublicSigningKey {
  privateKey: crypto.KeyObject;
  /**
   * During a rotation (issue 19, item 6b; `tachiai rotate-key --begin`): the next key, which
   * co-signs every C2SP checkpoint until `--finish` makes it the current one.
   */
  next?: SigningKeys;
  /**
   * Earlier keys of this site, public only, trusted through the key history (each endorsed by its
   * successor: server/system/signing-keys.ts), so that what they signed stays verifiable by key id.
   */
  previous?: PublicSigningKey[];
}

/** Every public key this server trusts for its own signatures: current, next, previous. */
export function knownSigningKeys(keys: SigningKeys): PublicSigningKey[] {
  return [keys, ...(keys.next ? [keys.next] : []), ...(keys.previous ?? [])];
}

/** The trusted public key with this id, or null. */
export function signingKeyById(keys: SigningKeys | null, keyId: string): PublicSigningKey | null {
  return keys ? (knownSigningKeys(keys).find((k) => k.keyId === keyId) ?? null) : null;
}

/** The public key id of a PEM public key (as SigningKeys.keyId). */
export function publicKeyId(publicKey: crypto.KeyObject): string {
  return crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export interface Secrets {
  jwtSecret: Buffer;
  /** MAC key for badge tokens: a copy of the database alone yields no working badge. */
  badgeKey: Buffer;
  /** Keys every PIN hash (security review, finding 7): a database or backup copy alone cannot be used to try PINs offline. */
  pinPepper: Buffer;
  /** Seals backups (./backup/sealed.ts): a backup file alone, without it, is unreadable. */
  backupKey: Buffer;
  signing: SigningKeys;
}

/** Reads a secret file, or creates it atomically (a concurrent creator's file wins). */
function readOrCreate(file: string, create: () => string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, create(), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8');
}

function randomSecret(): string {
  return crypto.randomBytes(48).toString('base64url');
}

/** `what`: where the key came from, for the operator's message (SIGNING_KEY, a file). */
export function signingKeysFromPem(privatePem: string, what = 'SIGNING_KEY'): SigningKeys {
  let privateKey: crypto.KeyObject;
  try {
    privateKey = crypto.createPrivateKey(privatePem);
  } catch (err) {
    // Said as configuration (exit 2, one message), not a stack trace: the commonest cause is a PEM
    // pasted into an environment variable without its line breaks. (OpenSSL's reason holds no key material.)
    throw new ConfigError(
      `${what} is not a readable private key in PEM form (${(err as Error).message}). ` +
        'In an environment variable keep the PEM\'s line breaks, or give the path of its .pem file.',
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${what} must be an Ed25519 private key (PEM); it is ${privateKey.asymmetricKeyType ?? 'another kind of key'}.`);
  const publicKey = crypto.createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    privateKey,
    publicKey,
    publicKeyPem,
    keyId: crypto.createHash('sha256').update(der).digest('hex').slice(0, 16),
  };
}

export function newEd25519Pem(): string {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * `persist: false` keeps generated secrets in memory only (tests that run without a data dir).
 */
export function loadSecrets(config: Config, options: { persist?: boolean } = {}): Secrets {
  const persist = options.persist ?? true;
  const dir = path.join(config.dataDir, 'secrets');
  const get = (name: string, fromEnv: string | undefined, create: () => string) =>
    fromEnv ?? (persist ? readOrCreate(path.join(dir, name), create) : create());

  const signingFromEnv = config.signingKey
    ? config.signingKey.includes('-----BEGIN')
      ? config.signingKey
      : fs.readFileSync(config.signingKey, 'utf8')
    : undefined;
  // The next key of a rotation: configured, or the file `rotate-key --begin` wrote (never generated here).
  const nextFile = path.join(dir, 'signing-key.next.pem');
  const nextPem = config.signingKeyNext
    ? config.signingKeyNext.includes('-----BEGIN')
      ? config.signingKeyNext
      : fs.readFileSync(config.signingKeyNext, 'utf8')
    : persist && fs.existsSync(nextFile)
      ? fs.readFileSync(nextFile, 'utf8')
      : undefined;
  const signing = signingKeysFromPem(get('signing-key.pem', signingFromEnv, newEd25519Pem), signingFromEnv ? 'SIGNING_KEY' : path.join(dir, 'signing-key.pem'));
  if (nextPem) {
    const next = signingKeysFromPem(nextPem, config.signingKeyNext ? 'SIGNING_KEY_NEXT' : nextFile);
    if (next.keyId !== signing.keyId) signing.next = next;
  }

  return {
    jwtSecret: Buffer.from(get('jwt-secret', config.jwtSecret, randomSecret).trim(), 'utf8'),
    badgeKey: Buffer.from(get('badge-secret', config.badgeSecret, randomSecret).trim(), 'utf8'),
    pinPepper: Buffer.from(get('pin-pepper', config.pinPepper, randomSecret).trim(), 'utf8'),
    backupKey: Buffer.from(get('backup-key', config.backupKey, randomSecret).trim(), 'utf8'),
    signing,
  };
}
