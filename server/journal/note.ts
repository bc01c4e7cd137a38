// C2SP signed notes and checkpoints (issue 19), as existing transparency-log tools read them:
//   - c2sp.org/signed-note: text ending in a newline, a blank line, then signature lines
//     "— <key name> base64(4-byte key ID ‖ signature)"; Ed25519 is signature type 0x01 and its
//     key ID is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key); a
//     verifier key (vkey) is "<name>+<hex key ID>+<base64(0x01 ‖ public key)>".
//   - c2sp.org/tlog-checkpoint: the note text is the origin line, the tree size in decimal, the
//     base64 root hash, each followed by a newline. The log's key name is its origin.
//   - c2sp.org/tlog-cosignature: a witness's "cosignature/v1" (type 0x04) signs
//     "cosignature/v1\ntime <seconds>\n" ‖ the checkpoint text; its signature is key ID ‖
//     8-byte big-endian timestamp ‖ Ed25519 signature. Verified here (issue 19, item 5's witnesses
//     produce them); this server does not make them.
// Pure functions: the offline verifier uses them without a database.
import crypto, { type KeyObject } from 'node:crypto';

export const SIG_ED25519 = 0x01;
export const SIG_COSIGNATURE_V1 = 0x04;
const MAX_NOTE_BYTES = 1_000_000;
const MAX_SIGNATURES = 100;

/** A key name: non-empty, no Unicode space, no plus (signed-note "Format"). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

/** The 32 raw bytes of an Ed25519 public key (RFC 8032 encoding). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
  const jwk = key.export({ format: 'jwk' }) as { x?: string };
  return Buffer.from(jwk.x!, 'base64url');
}

export function ed25519PublicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4] */
export function noteKeyId(name: string, type: number, publicKey: Buffer): Buffer {
  return crypto.createHash('sha256').update(Buffer.from(name, 'utf8')).update(Buffer.of(0x0a, type)).update(publicKey).digest().subarray(0, 4);
}

/** A key that verifies notes: its name, ID, type and public key. */
export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  type: number;
  publicKey: KeyObject;
  vkey: string;
}

export function verifierFor(name: string, publicKey: KeyObject, type = SIG_ED25519): NoteVerifier {
  if (!isValidKeyName(name)) throw new Error(`"${name}" is not a valid key name (no spaces, no +)`);
  const raw = rawEd25519PublicKey(publicKey);
  const keyId = noteKeyId(name, type, raw);
  return { name, keyId, type, publicKey, vkey: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(type), raw]).toString('base64')}` };
}

/** Parses a vkey "<name>+<hex id>+<base64(type ‖ key)>" (Ed25519 or cosignature/v1); throws a plain message when it is not one. */
export function parseVkey(vkey: string): NoteVerifier {
  // The name and the ID hold no "+"; the base64 key may.
  const m = /^([^+]+)\+([^+]+)\+(.+)$/s.exec(vkey.trim());
  if (!m) throw new Error('a verifier key has three parts separated by "+": name+keyid+key');
  const [, name, idHex, keyB64] = m as unknown as [string, string, string, string];
  if (!isValidKeyName(name)) throw new Error('the verifier key has no valid name');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new Error('the verifier key ID is not 8 lower-case hex digits');
  const material = Buffer.from(keyB64, 'base64');
  if (material.toString('base64') !== keyB64 || material.length !== 33) throw new Error('the verifier key is not a base64 Ed25519 key (33 bytes: type and key)');
  const type = material[0]!;
  if (type !== SIG_ED25519 && type !== SIG_COSIGNATURE_V1) throw new Error(`signature type 0x${type.toString(16).padStart(2, '0')} is not supported (Ed25519 0x01, cosignature/v1 0x04)`);
  const raw = material.subarray(1);
  const keyId = noteKeyId(name, type, raw);
  if (keyId.toString('hex') !== idHex) throw new Error('the verifier key ID does not match its name and key');
  return { name, keyId, type, publicKey: ed25519PublicKeyFromRaw(raw), vkey: vkey.trim() };
}

export interface NoteSignature {
  name: string;
  /** The 4-byte key ID. */
  keyId: Buffer;
  /** The bytes after the key ID. */
  signature: Buffer;
}

export interface Note {
  /** The signed text, ending in a newline. */
  text: string;
  signatures: NoteSignature[];
}

export class NoteError extends Error {
  override name = 'NoteError';
}

/** Signs `text` (which must end in a newline) and returns the signed note. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  if (!text.endsWith('\n')) throw new Error('a note text ends in a newline');
  const verifier = verifierFor(name, crypto.createPublicKey(privateKey));
  const sig = crypto.sign(null, Buffer.from(text, 'utf8'), privateKey);
  return `${text}\n— ${name} ${Buffer.concat([verifier.keyId, sig]).toString('base64')}\n`;
}

/**
 * Signs `text` with several keys under one name (c2sp.org/signed-note allows several signature
 * lines; each names its key by name and key ID): during a key rotation the log's current and next
 * keys both sign each checkpoint (issue 19, item 6b), so a verifier holding either vkey accepts it.
 */
export function signNoteWithKeys(text: string, name: string, privateKeys: KeyObject[]): string {
  const [first, ...more] = privateKeys;
  if (!first) throw new Error('a note is signed by at least one key');
  let note = signNote(text, name, first);
  for (const key of more) {
    const verifier = verifierFor(name, crypto.createPublicKey(key));
    note += `— ${name} ${Buffer.concat([verifier.keyId, crypto.sign(null, Buffer.from(text, 'utf8'), key)]).toString('base64')}\n`;
  }
  return note;
}

/** Splits a signed note into its text and signature lines; throws NoteError when it is malformed. */
export function parseNote(note: string): Note {
  if (Buffer.byteLength(note, 'utf8') > MAX_NOTE_BYTES) throw new NoteError('the note is too long');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(note)) throw new NoteError('the note contains control characters');
  if (!note.endsWith('\n')) throw new NoteError('the note does not end in a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw new NoteError('the note has too many signatures');
  const signatures = lines.map((line) => {
    const m = /^— (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
    if (!m || !isValidKeyName(m[1]!)) throw new NoteError(`malformed signature line "${line.slice(0, 80)}"`);
    const bytes = Buffer.from(m[2]!, 'base64');
    if (bytes.toString('base64') !== m[2] || bytes.length < 5) throw new NoteError('a signature is not valid base64');
    return { name: m[1]!, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
  });
  return { text, signatures };
}

/** Whether the note carries a valid Ed25519 signature of `verifier` (signatures of other keys are ignored, as the spec says). */
export function hasValidSignature(note: Note, verifier: NoteVerifier): boolean {
  const mine = note.signatures.filter((s) => s.name === verifier.name && s.keyId.equals(verifier.keyId));
  return mine.length > 0 && mine.every((s) => s.signature.length === 64 && crypto.verify(null, Buffer.from(note.text, 'utf8'), verifier.publicKey, s.signature));
}

/** The time (Unix seconds) of a valid cosignature/v1 of `witness` on this checkpoint note, or null. */
export function validCosignatureTime(note: Note, witness: NoteVerifier): number | null {
  if (witness.type !== SIG_COSIGNATURE_V1) return null;
  for (const s of note.signatures) {
    if (s.name !== witness.name || !s.keyId.equals(witness.keyId) || s.signature.length !== 72) continue;
    const time = s.signature.readBigUInt64BE(0);
    const message = `cosignature/v1\ntime ${time}\n${note.text}`;
    if (crypto.verify(null, Buffer.from(message, 'utf8'), witness.publicKey, s.signature.subarray(8))) return Number(time);
  }
  return null;
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export function formatCheckpoint(cp: Checkpoint): string {
  return `${cp.origin}\n${cp.size}\n${cp.root.toString('base64')}\n`;
}

/** The checkpoint in a note's text (c2sp.org/tlog-checkpoint); throws NoteError when it is not one. */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new NoteError('a checkpoint has an origin, a size and a root hash, each on its own line');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin === '') throw new NoteError('the checkpoint has no origin');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new NoteError('the checkpoint size is not a decimal number');
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText) throw new NoteError('the checkpoint root is not a base64 SHA-256 hash');
  if (lines.slice(3, -1).some((l) => l === '')) throw new NoteError('a checkpoint extension line is empty');
  return { origin, size: Number(sizeText), root };
}
