// Sealed backups (issue 17, item 2): chunked AES-256-GCM in the STREAM construction. A restore
// must never see a byte of a chunk that has not been authenticated: a changed, truncated,
// reordered or dropped chunk, or the wrong key, is refused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSealed, openSealedFile, SealedFileError, sealBytes } from '../../server/backup/sealed.js';

const HEADER = 15 + 1 + 16 + 16 + 7 + 4;
const CHUNK = 64 * 1024;
const SEALED_CHUNK = CHUNK + 16;
const key = Buffer.from(crypto.randomBytes(48).toString('base64url'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-sealed-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(bytes: Buffer): string {
  const file = path.join(dir, `f${n++}`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** What the reader hands on before it fails (nothing of a bad chunk may be among it). */
async function readUntilRefused(file: string, k = key): Promise<{ plain: Buffer; error: unknown }> {
  const out: Buffer[] = [];
  try {
    for await (const b of openSealed(file, k)) out.push(b);
    return { plain: Buffer.concat(out), error: null };
  } catch (error) {
    return { plain: Buffer.concat(out), error };
  }
}

describe('sealed files (issue 17, E2.12/E2.13)', () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 7])('round-trips %i bytes, with one chunk more than whole chunks', async (size) => {
    const plain = crypto.randomBytes(size);
    const sealed = await sealBytes(plain, key);
    // Whole chunks, and a last one holding 0…CHUNK bytes (a full last chunk carries the flag itself).
    const chunks = Math.max(1, Math.ceil(size / CHUNK));
    expect(sealed.length).toBe(HEADER + size + 16 * chunks);
    expect((await openSealedFile(write(sealed), key)).equals(plain)).toBe(true);
  });

  it('hides the content: no plaintext run survives, and two seals of the same bytes differ', async () => {
    const plain = Buffer.from('預託情報 '.repeat(5000));
    const a = await sealBytes(plain, key);
    const b = await sealBytes(plain, key);
    expect(a.includes(Buffer.from('預託情報'))).toBe(false);
    expect(a.subarray(HEADER).equals(b.subarray(HEADER))).toBe(false);
  });

  it('refuses the wrong key before reading a chunk, by its key id', async () => {
    const file = write(await sealBytes(Buffer.from('secret'), key));
    const { plain, error } = await readUntilRefused(file, crypto.randomBytes(32));
    expect(error).toBeInstanceOf(SealedFileError);
    expect((error as Error).message).toMatch(/another backup key/);
    expect(plain.length).toBe(0);
  });

  it('refuses a forged key id: the first chunk does not authenticate', async () => {
    const other = crypto.randomBytes(32);
    const sealed = await sealBytes(Buffer.from('secret'), other);
    // Put this key's id into the other key's file: the tag still fails.
    const ours = await sealBytes(Buffer.alloc(0), key);
    const forged = Buffer.concat([sealed.subarray(0, 16), ours.subarray(16, 32), sealed.subarray(32)]);
    const { plain, error } = await readUntilRefused(write(forged));
    expect(error).toBeInstanceOf(SealedFileError);
    expect((error as Error).message).toMatch(/does not authenticate/);
    expect(plain.length).toBe(0);
  });

  it('refuses one changed bit anywhere, handing on only the chunks before it', async () => {
    const plain = crypto.randomBytes(3 * CHUNK + 100);
    const sealed = await sealBytes(plain, key);
    for (const at of [HEADER + 5, HEADER + SEALED_CHUNK + 17, sealed.length - 1, 20 /* header: key id */, 40 /* header: salt */]) {
      const changed = Buffer.from(sealed);
      changed[at]! ^= 0x80;
      const { plain: got, error } = await readUntilRefused(write(changed));
      expect(error, `byte ${at}`).toBeInstanceOf(SealedFileError);
      const okChunks = at < HEADER ? 0 : Math.floor((at - HEADER) / SEALED_CHUNK);
      expect(got.equals(plain.subarray(0, okChunks * CHUNK)), `byte ${at}`).toBe(true);
    }
  });

  it('refuses reordered chunks, a dropped chunk, and a file cut at a chunk boundary or inside one', async () => {
    const plain = crypto.randomBytes(3 * CHUNK + 100);
    const sealed = await sealBytes(plain, key);
    const head = sealed.subarray(0, HEADER);
    const chunk = (i: number) => sealed.subarray(HEADER + i * SEALED_CHUNK, HEADER + (i + 1) * SEALED_CHUNK);
    const cases: Record<string, Buffer> = {
      swapped: Buffer.concat([head, chunk(1), chunk(0), sealed.subarray(HEADER + 2 * SEALED_CHUNK)]),
      dropped: Buffer.concat([head, chunk(0), sealed.subarray(HEADER + 2 * SEALED_CHUNK)]),
      'cut at a boundary': sealed.subarray(0, HEADER + 3 * SEALED_CHUNK),
      'cut inside': sealed.subarray(0, HEADER + 2 * SEALED_CHUNK + 1000),
      'last chunk repeated': Buffer.concat([sealed, sealed.subarray(HEADER + 3 * SEALED_CHUNK)]),
      'header only': head,
      empty: Buffer.alloc(0),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const { error } = await readUntilRefused(write(bytes));
      expect(error, name).toBeInstanceOf(SealedFileError);
    }
  });
});
