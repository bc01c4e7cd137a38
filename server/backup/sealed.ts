// Sealed backups (issue 17, E2.12/E2.13): the backup's bytes encrypted and authenticated in chunks,
// the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as age uses it, with
// AES-256-GCM from node:crypto:
//
//   header  "TACHIAI-SEALED\n" (15 bytes) · version 0x01 · key id (16) · salt (16) · nonce prefix (7) · chunk size (u32 BE)
//   chunks  AES-256-GCM(file key, nonce = prefix ‖ counter (u32 BE) ‖ last flag (0x00 / 0x01),
//           additional data = the header) → ciphertext ‖ 16-byte tag; every chunk holds CHUNK bytes
//           of plaintext except the last, which holds 0…CHUNK bytes and carries the last flag.
//
// The file key is HKDF-SHA256(BACKUP_KEY, salt, "tachiai sealed backup v1"): each file its own
// key, so nonces never repeat across files. A changed byte fails its chunk's tag; a reordered or
// dropped chunk fails because its counter is in the nonce; a truncated file lacks the chunk with
// the last flag; a wrong key fails the first chunk (and the key id says so before). The reader
// hands on a chunk only after its tag has been checked: nothing unauthenticated reaches a restore.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';

export const SEALED_MAGIC = Buffer.from('TACHIAI-SEALED\n', 'ascii');
const VERSION = 1;
const CHUNK = 64 * 1024;
const TAG = 16;
const HEADER_LENGTH = SEALED_MAGIC.length + 1 + 16 + 16 + 7 + 4;
const INFO = 'tachiai sealed backup v1';

/** A sealed file that is not what it should be: refused with a message for the operator. */
export class SealedFileError extends Error {
  override name = 'SealedFileError';
}

/** Tells which key sealed a file without revealing it. */
export function backupKeyId(backupKey: Buffer): Buffer {
  return crypto.createHmac('sha256', backupKey).update('tachiai:backup-key-id').digest().subarray(0, 16);
}

function fileKey(backupKey: Buffer, salt: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', backupKey, salt, INFO, 32));
}

function nonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function sealChunk(key: Buffer, header: Buffer, prefix: Buffer, counter: number, last: boolean, plain: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce(prefix, counter, last));
  cipher.setAAD(header);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** A Transform that seals what passes through it. */
export function sealStream(backupKey: Buffer): Transform {
  const salt = crypto.randomBytes(16);
  const prefix = crypto.randomBytes(7);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(CHUNK);
  const header = Buffer.concat([SEALED_MAGIC, Buffer.from([VERSION]), backupKeyId(backupKey), salt, prefix, size]);
  const key = fileKey(backupKey, salt);
  let counter = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let headerSent = false;
  const next = () => {
    if (counter === 0xffffffff) throw new SealedFileError('The backup is too large to seal (over 256 TiB).');
    return counter++;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        if (!headerSent) {
          this.push(header);
          headerSent = true;
        }
        pending.push(chunk);
        pendingBytes += chunk.length;
        // Hold back at least one byte: the last chunk must be the one that carries the flag.
        if (pendingBytes > CHUNK) {
          let all = Buffer.concat(pending);
          while (all.length > CHUNK) {
            this.push(sealChunk(key, header, prefix, next(), false, all.subarray(0, CHUNK)));
            all = all.subarray(CHUNK);
          }
          pending = [all];
          pendingBytes = all.length;
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!headerSent) this.push(header);
        this.push(sealChunk(key, header, prefix, next(), true, Buffer.concat(pending)));
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** True when the file begins like a sealed backup. */
export function isSealed(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const start = Buffer.alloc(SEALED_MAGIC.length);
    const n = fs.readSync(fd, start, 0, start.length, 0);
    return n === start.length && start.equals(SEALED_MAGIC);
  } finally {
    fs.closeSync(fd);
  }
}

interface SealedHeader {
  header: Buffer;
  keyId: Buffer;
  salt: Buffer;
  prefix: Buffer;
  chunkSize: number;
}

function parseHeader(bytes: Buffer): SealedHeader {
  if (bytes.length < HEADER_LENGTH || !bytes.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC)) throw new SealedFileError('it is not a sealed Tachiai backup');
  let at = SEALED_MAGIC.length;
  const version = bytes[at++];
  if (version !== VERSION) throw new SealedFileError(`its sealing version ${String(version)} is not supported`);
  const keyId = bytes.subarray(at, (at += 16));
  const salt = bytes.subarray(at, (at += 16));
  const prefix = bytes.subarray(at, (at += 7));
  const chunkSize = bytes.readUInt32BE(at);
  if (chunkSize < 1024 || chunkSize > 16 * 1024 * 1024) throw new SealedFileError('its chunk size is not plausible');
  return { header: Buffer.from(bytes.subarray(0, HEADER_LENGTH)), keyId, salt, prefix, chunkSize };
}

/**
 * The plaintext of a sealed file, chunk by chunk, each only once its tag has been checked.
 * Throws SealedFileError for a wrong key, a changed, reordered or missing chunk, or a truncated file.
 */
export async function* openSealed(file: string, backupKey: Buffer): AsyncGenerator<Buffer> {
  const input = fs.createReadStream(file, { highWaterMark: CHUNK + TAG });
  let buffered: Buffer = Buffer.alloc(0);
  let head: SealedHeader | null = null;
  let key: Buffer | null = null;
  let counter = 0;
  const open = (sealed: Buffer, last: boolean): Buffer => {
    if (sealed.length < TAG) throw new SealedFileError('it ends inside a chunk (the file was truncated)');
    const decipher = crypto.createDecipheriv('aes-256-gcm', key!, nonce(head!.prefix, counter, last));
    decipher.setAAD(head!.header);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
      counter++;
      return plain;
    } catch {
      throw new SealedFileError(
        counter === 0 && last === false
          ? 'its first chunk does not authenticate (the file was changed, or sealed with another key)'
          : `chunk ${counter + 1} does not authenticate (the file was changed, cut short or its chunks reordered)`,
      );
    }
  };
  try {
    for await (const piece of input as AsyncIterable<Buffer>) {
      buffered = buffered.length ? Buffer.concat([buffered, piece]) : piece;
      if (!head) {
        if (buffered.length < HEADER_LENGTH) continue;
        head = parseHeader(buffered);
        if (!head.keyId.equals(backupKeyId(backupKey))) {
          throw new SealedFileError('it was sealed with another backup key (BACKUP_KEY): use the key of the site that made it, e.g. from its secrets escrow');
        }
        key = fileKey(backupKey, head.salt);
        buffered = buffered.subarray(HEADER_LENGTH);
      }
      const full = head.chunkSize + TAG;
      // A chunk is known not to be the last only when more bytes follow it.
      while (buffered.length > full) {
        yield open(buffered.subarray(0, full), false);
        buffered = buffered.subarray(full);
      }
    }
    if (!head) throw new SealedFileError(buffered.length === 0 ? 'it is empty' : 'it is not a sealed Tachiai backup (or its header is cut off)');
    const last = open(buffered, true);
    yield last;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (err instanceof SealedFileError || e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') throw err;
    throw new SealedFileError(`it cannot be read (${e.message})`);
  } finally {
    input.destroy();
  }
}

/** Seals bytes in memory (tests, small files). */
export async function sealBytes(plain: Buffer, backupKey: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const s = sealStream(backupKey);
  s.on('data', (b: Buffer) => out.push(b));
  const finished = new Promise<void>((resolve, reject) => {
    s.on('end', resolve);
    s.on('error', reject);
  });
  s.end(plain);
  await finished;
  return Buffer.concat(out);
}

/** Opens a sealed file into memory (tests, small files). */
export async function openSealedFile(file: string, backupKey: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of openSealed(file, backupKey)) out.push(b);
  return Buffer.concat(out);
}
