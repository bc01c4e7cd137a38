// The secrets escrow (issue 17, item 3): JWT_SECRET, BADGE_SECRET, PIN_PEPPER, SIGNING_KEY and
// BACKUP_KEY must be the same on every server and survive the loss of one. `tachiai secrets
// export` writes them into one file encrypted under a passphrase (scrypt, then AES-256-GCM with
// the file's public fields as additional data) for the administrator to keep offline;
// `tachiai secrets import` sets up a new server's DATA_DIR/secrets from it. A fingerprint — an
// HMAC of each secret under a fixed label, never a secret — tells whether two servers share them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Secrets } from '../secrets.js';

export const ESCROW_FORMAT = 'tachiai-secrets-escrow' as const;
/** Long enough to resist offline guessing of a file that may be copied: a phrase, not a word. */
export const MIN_PASSPHRASE_LENGTH = 12;
const KDF = { name: 'scrypt' as const, N: 2 ** 16, r: 8, p: 1 };

/** A refusal meant for the operator (exit 1). */
export class EscrowError extends Error {
  override name = 'BackupError';
}

/** The secrets as the files of DATA_DIR/secrets hold them. */
export interface SecretFiles {
  'jwt-secret': string;
  'badge-secret': string;
  'pin-pepper': string;
  'signing-key.pem': string;
  'backup-key': string;
}
export const SECRET_FILE_NAMES = ['jwt-secret', 'badge-secret', 'pin-pepper', 'signing-key.pem', 'backup-key'] as const;

export function secretFilesOf(secrets: Secrets): SecretFiles {
  return {
    'jwt-secret': secrets.jwtSecret.toString('utf8'),
    'badge-secret': secrets.badgeKey.toString('utf8'),
    'pin-pepper': secrets.pinPepper.toString('utf8'),
    'signing-key.pem': secrets.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    'backup-key': secrets.backupKey.toString('utf8'),
  };
}

/** Tells whether two servers hold the same secrets, revealing none of them. */
export function secretsFingerprint(secrets: Secrets): string {
  const part = (label: string, value: Buffer) => crypto.createHmac('sha256', value).update(`tachiai:secrets-fingerprint:${label}`).digest();
  return crypto
    .createHash('sha256')
    .update(part('jwt', secrets.jwtSecret))
    .update(part('badge', secrets.badgeKey))
    .update(part('pepper', secrets.pinPepper))
    .update(secrets.signing.keyId)
    .update(part('backup', secrets.backupKey))
    .digest('hex')
    .slice(0, 32);
}

interface EscrowFile {
  format: typeof ESCROW_FORMAT;
  version: 1;
  site: string;
  createdAt: string;
  fingerprint: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  nonce: string;
  ciphertext: string;
  tag: string;
}

const publicPart = (f: Omit<EscrowFile, 'ciphertext' | 'tag' | 'nonce' | 'cipher'>) =>
  Buffer.from(JSON.stringify({ format: f.format, version: f.version, site: f.site, createdAt: f.createdAt, fingerprint: f.fingerprint, kdf: f.kdf }), 'utf8');

function deriveKey(passphrase: string, kdf: EscrowFile['kdf']): Buffer {
  return crypto.scryptSync(passphrase.normalize('NFKC'), Buffer.from(kdf.salt, 'base64'), 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * 1024 * 1024 });
}

export function checkPassphrase(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) throw new EscrowError(`The passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters (a few words are easier to keep than a short password).`);
}

/** The escrow file's text: the secrets sealed under the passphrase, the site and fingerprint in clear. */
export function sealEscrow(secrets: Secrets, passphrase: string, site: string, now = new Date()): string {
  checkPassphrase(passphrase);
  const head = {
    format: ESCROW_FORMAT,
    version: 1 as const,
    site,
    createdAt: now.toISOString(),
    fingerprint: secretsFingerprint(secrets),
    kdf: { ...KDF, salt: crypto.randomBytes(16).toString('base64') },
  };
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', deriveKey(passphrase, head.kdf), nonce);
  cipher.setAAD(publicPart(head));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secretFilesOf(secrets)), 'utf8'), cipher.final()]);
  const file: EscrowFile = { ...head, cipher: 'aes-256-gcm', nonce: nonce.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  return JSON.stringify(file, null, 2) + '\n';
}

export interface OpenedEscrow {
  site: string;
  createdAt: string;
  fingerprint: string;
  files: SecretFiles;
}

/** Opens an escrow file: a wrong passphrase or a changed file is an EscrowError, nothing else is said. */
export function openEscrow(text: string, passphrase: string, where: string): OpenedEscrow {
  let file: EscrowFile;
  try {
    file = JSON.parse(text) as EscrowFile;
  } catch {
    throw new EscrowError(`${where} is not a secrets escrow file (not JSON).`);
  }
  if (file?.format !== ESCROW_FORMAT || file.version !== 1 || file.cipher !== 'aes-256-gcm' || file.kdf?.name !== 'scrypt') {
    throw new EscrowError(`${where} is not a secrets escrow file of this Tachiai (format ${String(file?.format)}, version ${String(file?.version)}).`);
  }
  if (!(file.kdf.N >= 2 ** 14 && file.kdf.N <= 2 ** 20 && file.kdf.r >= 1 && file.kdf.r <= 32 && file.kdf.p >= 1 && file.kdf.p <= 4)) {
    throw new EscrowError(`${where}: its key-derivation settings are out of range.`);
  }
  let plain: string;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', deriveKey(passphrase, file.kdf), Buffer.from(file.nonce, 'base64'));
    decipher.setAAD(publicPart(file));
    decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
    plain = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new EscrowError(`${where} cannot be opened: the passphrase is wrong, or the file was changed. Nothing was imported.`);
  }
  const files = JSON.parse(plain) as SecretFiles;
  for (const name of SECRET_FILE_NAMES) if (typeof files[name] !== 'string' || files[name].length === 0) throw new EscrowError(`${where} lacks ${name}. Nothing was imported.`);
  return { site: file.site, createdAt: file.createdAt, fingerprint: file.fingerprint, files };
}

/**
 * Writes the escrowed secrets into DATA_DIR/secrets (mode 0600). Files already there must hold
 * the same values (importing twice is harmless); a different one stops the import before any file
 * is written.
 */
export function writeSecretFiles(dataDir: string, files: SecretFiles): { written: string[]; same: string[] } {
  const dir = path.join(dataDir, 'secrets');
  const same: string[] = [];
  const toWrite: Array<(typeof SECRET_FILE_NAMES)[number]> = [];
  for (const name of SECRET_FILE_NAMES) {
    const target = path.join(dir, name);
    if (fs.existsSync(target)) {
      if (fs.readFileSync(target, 'utf8').trim() !== files[name].trim()) {
        throw new EscrowError(`${target} already holds another secret. Import into a new data directory (DATA_DIR), or move the old secrets away first. Nothing was imported.`);
      }
      same.push(name);
    } else toWrite.push(name);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const name of toWrite) fs.writeFileSync(path.join(dir, name), files[name], { flag: 'wx', mode: 0o600 });
  return { written: toWrite, same };
}
