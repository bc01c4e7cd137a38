// Proof files (issue 19, items 3 and 4): c2sp.org/tlog-proof —
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 of the JSON below>
//   index <leaf index = journal seq − 1>
//   <inclusion proof, one base64 hash per line, leaf's sibling first>
//   <empty line>
//   <the signed checkpoint note, verbatim, with any cosignatures>
//
// The extra data carries what the leaf commits to: the journal entry (every field its hash
// covers, the payload as the exact canonical text) and the signed record the entry names. The
// offline verifier recomputes record → record hash (in the entry's payload) → entry hash → leaf
// hash → root (with the inclusion proof), checks the checkpoint's signature with the log key it
// is GIVEN (a PEM or a vkey, never a key from the file), any witnesses' cosignatures, and the
// record's witness signatures; then prints the record's facts for a person to compare with the
// paper. No database, no network: this file imports nothing that reaches either.
import crypto, { type KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from './canonical.js';
import { entryHash } from './journal.js';
import { hasValidSignature, isValidKeyName, NoteError, parseCheckpoint, parseNote, validCosignatureTime, verifierFor, type Checkpoint, type NoteVerifier } from './note.js';
import { leafHashOfEntry, verifyInclusion } from './tlog.js';
import { sameLog } from './tlog-store.js';

export const PROOF_MAGIC = 'c2sp.org/tlog-proof@v1';
export const EXTRA_TYPE = 'tachiai.tlog-proof-extra/v1';
const MAX_PROOF_FILE_BYTES = 4_000_000;

export interface ProofEntry {
  chain: string;
  seq: number;
  /** ISO 8601 UTC with milliseconds, as hashed. */
  at: string;
  actor: string;
  action: string;
  subject: string;
  /** The payload's canonical JSON text, as hashed. */
  payload: string;
  prevHash: string;
  hash: string;
}

export interface ProofRecord {
  id: string;
  kind: string;
  at: string;
  /** The record's canonical content, whose SHA-256 is contentHash. */
  content: string;
  contentHash: string;
  signatures: Array<{ manifest: Record<string, unknown> & { keyId?: string; signerName?: string; meaning?: string; recordHash?: string }; signature: string }>;
}

export interface ProofExtra {
  type: typeof EXTRA_TYPE;
  /** What the proof is for, e.g. "destruction-certificate". */
  subject: string;
  entry: ProofEntry;
  record: ProofRecord | null;
}

export function formatProofFile(p: { index: number; proof: Buffer[]; note: string; extra: ProofExtra }): string {
  const extra = Buffer.from(JSON.stringify(p.extra), 'utf8').toString('base64');
  return `${PROOF_MAGIC}\nextra ${extra}\nindex ${p.index}\n${p.proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${p.note}`;
}

export interface ParsedProofFile {
  extra: Buffer | null;
  index: number;
  proof: Buffer[];
  note: string;
}

export class ProofFileError extends Error {
  override name = 'ProofFileError';
}

export function parseProofFile(text: string): ParsedProofFile {
  if (Buffer.byteLength(text, 'utf8') > MAX_PROOF_FILE_BYTES) throw new ProofFileError('the file is too large to be a proof file');
  const lines = text.split('\n');
  if (lines[0] !== PROOF_MAGIC) throw new ProofFileError(`the file does not start with "${PROOF_MAGIC}": it is not a proof file`);
  let i = 1;
  let extra: Buffer | null = null;
  if (lines[i]?.startsWith('extra ')) {
    const b64 = lines[i]!.slice(6);
    extra = Buffer.from(b64, 'base64');
    if (extra.toString('base64') !== b64) throw new ProofFileError('the extra line is not base64');
    i++;
  }
  const index = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[i] ?? '');
  if (!index || !Number.isSafeInteger(Number(index[1]))) throw new ProofFileError('the file has no valid "index" line');
  i++;
  const proof: Buffer[] = [];
  for (; i < lines.length && lines[i] !== ''; i++) {
    const h = Buffer.from(lines[i]!, 'base64');
    if (h.length !== 32 || h.toString('base64') !== lines[i]) throw new ProofFileError(`proof line ${proof.length + 1} is not a base64 SHA-256 hash`);
    proof.push(h);
  }
  if (i >= lines.length) throw new ProofFileError('the file has no checkpoint after its proof');
  return { extra, index: Number(index[1]), proof, note: lines.slice(i + 1).join('\n') };
}

/** A log key as given on the command line: a vkey (name+id+key) or an Ed25519 public key in PEM. */
export type LogKey = { kind: 'vkey'; verifier: NoteVerifier } | { kind: 'pem'; publicKey: KeyObject };

export interface ProofCheck {
  ok: boolean;
  /** Each step, in order, with its outcome: what a person reads. */
  steps: Array<{ ok: boolean; what: string }>;
  checkpoint: Checkpoint | null;
  extra: ProofExtra | null;
  /** The record's content, parsed, when the record was checked. */
  content: Record<string, unknown> | null;
  witnesses: Array<{ vkey: string; time: number | null }>;
}

/** The SPKI key id the server gives its record signatures (server/secrets.ts). */
const spkiKeyId = (key: KeyObject) => crypto.createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);

/**
 * Checks a proof file with the given log key and witness keys. Stops at the first failing step
 * (the steps up to it say what held).
 */
export function verifyProofFile(text: string, logKey: LogKey, witnesses: NoteVerifier[] = []): ProofCheck {
  const result: ProofCheck = { ok: false, steps: [], checkpoint: null, extra: null, content: null, witnesses: [] };
  const step = (ok: boolean, what: string) => {
    result.steps.push({ ok, what });
    return ok;
  };
  let parsed: ParsedProofFile;
  let note;
  try {
    parsed = parseProofFile(text);
    note = parseNote(parsed.note);
    result.checkpoint = parseCheckpoint(note.text);
  } catch (err) {
    if (err instanceof ProofFileError || err instanceof NoteError) {
      step(false, `The file is not a valid proof file: ${err.message}.`);
      return result;
    }
    throw err;
  }
  const cp = result.checkpoint;

  // The checkpoint: signed by the log key, for the log the key names.
  if (!isValidKeyName(cp.origin)) {
    step(false, 'The checkpoint\'s origin is not a valid key name (spaces or "+"): it is not one of ours.');
    return result;
  }
  // A vkey names one origin; the log's other epochs (issue 19, item 6a: `<first origin>/eN`) are
  // signed by the same key under their own origin, so a proof file made before or after a new
  // epoch verifies with the vkey the depositor holds (the origin is printed).
  const given = logKey.kind === 'vkey' ? logKey.verifier : null;
  const ofLog = !given || given.name === cp.origin || sameLog(given.name, cp.origin);
  if (!step(ofLog, ofLog ? `The checkpoint is of the log "${cp.origin}"${given && given.name !== cp.origin ? ` (an epoch of "${given.name}", the key given)` : ''}.` : `The checkpoint is of the log "${cp.origin}", not of "${given!.name}" (the key given).`)) return result;
  const verifier = given && given.name === cp.origin ? given : verifierFor(cp.origin, given ? given.publicKey : (logKey as { publicKey: KeyObject }).publicKey);
  if (!step(hasValidSignature(note, verifier), `The checkpoint (${cp.size} entries) ${hasValidSignature(note, verifier) ? 'carries a valid signature of the log key' : 'does NOT carry a valid signature of the log key given'} ${verifier.vkey}.`)) return result;
  for (const w of witnesses) {
    const time = validCosignatureTime(note, w);
    result.witnesses.push({ vkey: w.vkey, time });
    if (!step(time !== null, time !== null ? `Witness ${w.name} cosigned the checkpoint at ${new Date(time * 1000).toISOString()}.` : `The checkpoint carries NO valid cosignature of witness ${w.name}.`)) return result;
  }

  // The entry and what it commits to.
  let extra: ProofExtra;
  try {
    extra = JSON.parse((parsed.extra ?? Buffer.alloc(0)).toString('utf8')) as ProofExtra;
    if (extra?.type !== EXTRA_TYPE || !extra.entry) throw new Error('not ours');
  } catch {
    step(false, 'The proof file carries no journal entry (its extra data is not a Tachiai proof).');
    return result;
  }
  result.extra = extra;
  const e = extra.entry;
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(e.payload) as Record<string, unknown>;
    if (canonicalJson(payload) !== e.payload) throw new Error('not canonical');
    const recomputed = entryHash({ chain: e.chain, seq: e.seq, at: new Date(e.at), actor: e.actor, action: e.action, subject: e.subject, payload: e.payload, prevHash: e.prevHash, payloadValue: payload });
    if (new Date(e.at).toISOString() !== e.at || recomputed !== e.hash) throw new Error('hash');
  } catch {
    step(false, `Journal entry ${e.seq}: its content does NOT hash to the hash it names.`);
    return result;
  }
  step(true, `Journal entry ${e.seq} (${e.action}, ${e.at}) hashes to ${e.hash}.`);
  if (!step(Number.isSafeInteger(e.seq) && parsed.index === e.seq - 1, parsed.index === e.seq - 1 ? `It is leaf ${parsed.index} of the tree.` : `The proof is for leaf ${parsed.index}, but the entry is leaf ${e.seq - 1}.`)) return result;
  const included = verifyInclusion(parsed.index, cp.size, leafHashOfEntry(e.hash), parsed.proof, cp.root);
  if (!step(included, included ? `The inclusion proof leads from that leaf to the checkpoint's root: the entry is in the signed journal.` : 'The inclusion proof does NOT lead from that leaf to the checkpoint\'s root: the entry is not in the signed journal.')) return result;

  const r = extra.record;
  if (r) {
    const hashOk = sha256Hex(r.content) === r.contentHash;
    if (!step(hashOk, hashOk ? `The signed record ${r.id} hashes to ${r.contentHash}.` : `The signed record ${r.id} does NOT hash to the hash it names: it was changed.`)) return result;
    // The entry names the record by id (destructions.recorded, reports.signed) or by subject (records.signed).
    const named = payload.contentHash === r.contentHash && (payload.recordId === r.id || (payload.recordId === undefined && e.subject === `record:${r.id}`)) && (payload.kind === undefined || payload.kind === r.kind);
    if (!step(named, named ? 'The journal entry names that record and hash.' : 'The journal entry names ANOTHER record or hash.')) return result;
    try {
      result.content = JSON.parse(r.content) as Record<string, unknown>;
    } catch {
      step(false, 'The signed record is not JSON.');
      return result;
    }
    const serverKey = logKey.kind === 'pem' ? logKey.publicKey : logKey.verifier.publicKey;
    const serverKeyId = spkiKeyId(serverKey);
    for (const [i, s] of r.signatures.entries()) {
      const who = `${s.manifest.signerName ?? '?'} (${s.manifest.meaning ?? '?'})`;
      if (s.manifest.recordHash !== r.contentHash) {
        step(false, `Signature ${i + 1}, ${who}: it is for another record.`);
        return result;
      }
      if (s.manifest.keyId !== serverKeyId) {
        step(true, `Signature ${i + 1}, ${who}: made with key ${String(s.manifest.keyId)}, not the log key; not checked here.`);
        continue;
      }
      let valid = false;
      try {
        valid = crypto.verify(null, Buffer.from(canonicalJson(s.manifest), 'utf8'), serverKey, Buffer.from(s.signature, 'base64'));
      } catch {
        valid = false;
      }
      if (!step(valid, valid ? `Signature ${i + 1}, ${who}: valid.` : `Signature ${i + 1}, ${who}: NOT valid.`)) return result;
    }
  }
  result.ok = true;
  return result;
}
