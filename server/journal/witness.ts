// A witness (issue 19, item 5), per c2sp.org/tlog-witness and c2sp.org/tlog-cosignature: the
// depositor runs it on their side (`tachiai witness`). For each log it trusts (origin + the log's
// vkey) it keeps the last tree size and root it cosigned, and cosigns a new checkpoint only with a
// valid consistency proof from that one — checked and recorded atomically (one request at a time,
// the state written to a temporary file and renamed before the answer). It answers exactly as the
// spec says: 404 unknown origin, 403 no valid signature of the log, 400 malformed or old size
// beyond the checkpoint, 409 (text/x.tlog.size, the size it knows) when the old size is not its
// size, 422 when the consistency proof does not verify (a fork, a rollback), 200 with the
// cosignature line (cosignature/v1, Ed25519, type 0x04).
// No database: a JSON state file. Nothing here reaches the server's database.
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hasValidSignature, NoteError, parseCheckpoint, parseNote, SIG_COSIGNATURE_V1, verifierFor, type NoteVerifier } from './note.js';
import { EMPTY_ROOT, verifyConsistency } from './tlog.js';

/** Bodies larger than this are refused (400) before they are read further. */
export const MAX_WITNESS_BODY = 64 * 1024;
const MAX_PROOF_LINES = 63;

export interface WitnessLogState {
  size: number;
  /** base64 root hash */
  root: string;
}

export interface WitnessConfig {
  name: string;
  privateKey: KeyObject;
  /** The logs it witnesses: origin → the log's verifier keys. */
  logs: Map<string, NoteVerifier[]>;
  stateFile: string;
  now?: () => number;
}

export interface WitnessAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** The witness's own verifier key (cosignature/v1). */
export function witnessVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  return verifierFor(name, publicKey, SIG_COSIGNATURE_V1);
}

/** A cosignature/v1 line over a checkpoint note's text. */
export function cosign(noteText: string, name: string, privateKey: KeyObject, timeSeconds: number): string {
  const v = witnessVerifier(name, crypto.createPublicKey(privateKey));
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(timeSeconds));
  const sig = crypto.sign(null, Buffer.from(`cosignature/v1\ntime ${timeSeconds}\n${noteText}`, 'utf8'), privateKey);
  return `— ${name} ${Buffer.concat([v.keyId, ts, sig]).toString('base64')}\n`;
}

function readState(file: string): Record<string, WitnessLogState> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, WitnessLogState>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

function writeState(file: string, state: Record<string, WitnessLogState>): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(state, null, 2));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

const text = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): WitnessAnswer => ({ status, contentType, body });

export class Witness {
  /** Requests are handled one at a time: the check and the update are one step. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly config: WitnessConfig) {}

  get verifier(): NoteVerifier {
    return witnessVerifier(this.config.name, crypto.createPublicKey(this.config.privateKey));
  }

  state(): Record<string, WitnessLogState> {
    return readState(this.config.stateFile);
  }

  addCheckpoint(body: Buffer): Promise<WitnessAnswer> {
    const run = this.queue.then(() => this.handle(body));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private handle(body: Buffer): WitnessAnswer {
    if (body.length > MAX_WITNESS_BODY) return text(400, 'request body too large\n');
    const input = body.toString('utf8');
    if (Buffer.from(input, 'utf8').length !== body.length) return text(400, 'not UTF-8\n');
    const blank = input.indexOf('\n\n');
    if (blank < 0) return text(400, 'no empty line before the checkpoint\n');
    const head = input.slice(0, blank).split('\n');
    const old = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0] ?? '');
    if (!old || !Number.isSafeInteger(Number(old[1]))) return text(400, 'the first line is not "old <size>"\n');
    const oldSize = Number(old[1]);
    const proofLines = head.slice(1);
    if (proofLines.length > MAX_PROOF_LINES) return text(400, 'too many proof lines\n');
    const proof: Buffer[] = [];
    for (const line of proofLines) {
      const h = Buffer.from(line, 'base64');
      if (h.length !== 32 || h.toString('base64') !== line) return text(400, 'a proof line is not a base64 hash\n');
      proof.push(h);
    }
    let note;
    let cp;
    try {
      note = parseNote(input.slice(blank + 2));
      cp = parseCheckpoint(note.text);
    } catch (err) {
      if (err instanceof NoteError) return text(400, `malformed checkpoint: ${err.message}\n`);
      throw err;
    }
    const keys = this.config.logs.get(cp.origin);
    if (!keys) return text(404, 'unknown log\n');
    // Any signature line naming a trusted key must verify; at least one must be there.
    const trusted = keys.filter((k) => note.signatures.some((s) => s.name === k.name && s.keyId.equals(k.keyId)));
    if (trusted.length === 0 || !trusted.every((k) => hasValidSignature(note, k))) return text(403, 'no valid signature of the log\n');
    if (oldSize > cp.size) return text(400, 'old size is beyond the checkpoint\n');

    const all = readState(this.config.stateFile);
    const known = all[cp.origin] ?? { size: 0, root: EMPTY_ROOT.toString('base64') };
    if (oldSize !== known.size) return text(409, `${known.size}\n`, 'text/x.tlog.size');
    if (cp.size === 0 && !cp.root.equals(EMPTY_ROOT)) return text(422, 'a tree of size 0 has the empty root\n');
    if (oldSize === 0) {
      if (proof.length !== 0) return text(422, 'no proof is needed from size 0\n');
    } else if (oldSize === cp.size) {
      if (!cp.root.equals(Buffer.from(known.root, 'base64')) || proof.length !== 0) return text(422, 'same size, another root\n');
    } else if (!verifyConsistency(oldSize, cp.size, Buffer.from(known.root, 'base64'), cp.root, proof)) {
      return text(422, 'the consistency proof does not verify\n');
    }
    all[cp.origin] = { size: cp.size, root: cp.root.toString('base64') };
    writeState(this.config.stateFile, all);
    const now = Math.floor((this.config.now ?? Date.now)() / 1000);
    return text(200, cosign(note.text, this.config.name, this.config.privateKey, now));
  }
}
