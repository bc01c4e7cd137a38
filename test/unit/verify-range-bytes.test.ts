// The verifier's byte path (server/journal/verify-range.ts RangeChecker.chunk; issue 19) against
// its text path (LineSplitter + line()): whatever the rows — the door's usual entries, fields
// with quotes, backslashes, tabs and line breaks (COPY-escaped), non-ASCII and astral text,
// non-canonical payloads, integer-like keys — however the stream is cut into chunks (one byte at
// a time, inside UTF-8 sequences), and whatever the tampering (a changed byte in any field, a
// row deleted, doubled or swapped, a broken link, a wrong hash, a time in another form, a
// checkpoint naming another hash), both must give the very same RangeResult. The text path's
// compact range is also checked against appendNodes, so a fault shared by both paths shows too.
import crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { canonicalJson } from '../../server/journal/canonical.js';
import { surelyCanonical, surelyCanonicalBytes } from '../../server/journal/canonical-scan.js';
import { entryHashOfCanonical, GENESIS_HASH } from '../../server/journal/journal.js';
import { appendNodes, LineSplitter, RangeChecker, type RangeNode, type RangeResult, type RangeTask } from '../../server/journal/verify-range.js';
import { randomOf, type Random } from '../helpers/seeded-random.js';


const PIECES = ['a', 'b', 'z', 'A', '0', '9', '10', '', ' ', ':', '日本', '語', '€', 'é', '"', '\\', '\t', '\n', '\r', '\b', '\f', '\v', '\u0001', '\u007f', '\u2028', '😀', '\ufeff', 'key', 'id'];
const NUMBERS = [0, 1, -1, 0.1, 1e21, 1e-7, 123456789, 2 ** 53, -3.5, 1 / 3, 123456789012345];

const pieceString = (r: Random, max = 4) => Array.from({ length: r.int(max + 1) }, () => r.pick(PIECES)).join('');

function randomValue(r: Random, depth = 0): unknown {
  const kind = depth > 3 ? r.pick(['s', 'n', 'l']) : r.pick(['s', 'n', 'l', 'o', 'o', 'a']);
  if (kind === 's') return pieceString(r);
  if (kind === 'n') return r.pick(NUMBERS);
  if (kind === 'l') return r.pick([true, false, null]);
  if (kind === 'a') return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let k = r.int(5); k > 0; k--) o[pieceString(r, 2)] = randomValue(r, depth + 1);
  return o;
}

const ACTIONS = ['door.entry', 'door.exit', 'custody.checked_out', 'custody.checked_in', 'auth.login'];

/** What an entry's fields are: mostly as the door writes them (scripts/bench/journal-seed.ts), sometimes anything. */
function randomFields(r: Random, rooms: string[], people: string[], odd: number): { actor: string; action: string; subject: string; payload: string } {
  const action = r.next() >= odd ? r.pick(ACTIONS) : pieceString(r, 3) || 'x';
  const room = r.pick(rooms);
  const person = r.pick(people);
  const entryId = r.uuid();
  const actor = r.next() >= odd ? `station:${room}` : pieceString(r, 5);
  const subject = r.next() >= odd ? `entry:${entryId}` : pieceString(r, 5);
  let payload: string;
  const kind = r.next() >= odd * 2 ? 0 : 0.6 + 0.4 * r.next();
  if (kind < 0.6) {
    payload = action.startsWith('door.')
      ? `{"decision":"granted","direction":"${action === 'door.entry' ? 'in' : 'out'}","entryId":"${entryId}","personId":"${person}","reason":null,"roomId":"${room}"}`
      : `{"personId":"${person}","roomId":"${room}"}`;
  } else if (kind < 0.75) {
    payload = canonicalJson({ name: `山田 ${pieceString(r, 2)}`, count: r.int(1000), '10': 'integer-like', '9': [r.pick(NUMBERS)], nested: { b: 2, a: 1 } });
  } else if (kind < 0.92) {
    payload = canonicalJson(randomValue(r));
  } else {
    // Not canonical: keys out of order, spaces, a number respelled, an escape, not JSON at all.
    payload = r.pick(['{"b":1,"a":2}', '{ "a": 1 }', '{"a":1.0}', '{"a":"\\u0041"}', '{"9":1,"10":2}', '{"a":', '', '{"k":"😀"}', '{"é":1,"e":2}']);
  }
  return { actor, action, subject, payload };
}

const COPY_ESCAPE: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
/** A field as PostgreSQL's text COPY writes it (other control characters go as they are). */
const copyText = (field: string) => field.replace(/[\\\b\f\n\r\t\v]/g, (c) => COPY_ESCAPE[c]!);

/** A timestamptz as PostgreSQL writes it on a UTC session (DateStyle ISO): the fraction without trailing zeros, none when zero. */
function pgTimeText(at: Date, micro: number): string {
  const iso = at.toISOString();
  const fraction = (iso.slice(20, 23) + String(micro).padStart(3, '0')).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

interface Case {
  task: RangeTask;
  rows: Buffer[];
  /** The stream: the rows, each with its line break (unless tampered otherwise). */
  stream: Buffer;
}

function makeCase(seed: number): Case {
  const r = randomOf(seed);
  const chain = r.next() < 0.8 ? 'main' : r.pick(['other', 'ch"ain', '日本', 'tab\tchain']);
  const rooms = Array.from({ length: 3 }, () => r.uuid());
  const people = Array.from({ length: 5 }, () => r.uuid());
  const count = 1 + r.int(r.next() < 0.2 ? 300 : 40);
  // How often a field is unusual (escapes, non-ASCII, not canonical): never in some ranges.
  const odd = r.pick([0, 0, 0.02, 0.1, 0.3]);
  const from = r.next() < 0.5 ? 1 : 1 + 16 * r.int(100);
  let prevHash = from === 1 ? GENESIS_HASH : crypto.randomBytes(32).toString('hex');
  let ms = Date.UTC(2026, 11, 6, 7, 52) + r.int(1e9);
  const rows: Buffer[] = [];
  const hashes: string[] = [];
  for (let k = 0; k < count; k++) {
    const seq = from + k;
    ms += r.pick([0, 1, 7, 10, 100, 999, 1000, 86_400_000]);
    const at = new Date(ms);
    const f = randomFields(r, rooms, people, odd);
    const hash = entryHashOfCanonical({ chain, seq, at, actor: f.actor, action: f.action, subject: f.subject, payload: f.payload, prevHash });
    // Most rows as stored (ms); some with microseconds, which the ISO form cuts.
    const atText = pgTimeText(at, r.next() < 0.1 ? r.int(1000) : 0);
    rows.push(Buffer.from([String(seq), atText, f.actor, f.action, f.subject, f.payload, prevHash, hash].map(copyText).join('\t'), 'utf8'));
    hashes.push(hash);
    prevHash = hash;
  }
  const to = from + count - 1;
  const task: RangeTask = { chain, from, to, tree: r.next() < 0.8, expect: [], snapshotSizes: [] };
  for (let k = r.int(4); k > 0; k--) {
    const i = r.int(count);
    const wrong = r.next() < 0.2;
    task.expect.push([from + i, [{ hash: wrong ? crypto.randomBytes(32).toString('hex') : hashes[i]!, at: `2026-12-0${1 + r.int(9)}T00:00:00.000Z` }]]);
  }
  for (let k = r.int(5); k > 0; k--) task.snapshotSizes.push(from + r.int(count + 2) - 1);

  const tampers = r.next() < 0.4 ? 0 : 1 + r.int(2);
  for (let t = 0; t < tampers && rows.length > 0; t++) tamper(r, rows);
  let stream = Buffer.concat(rows.flatMap((row) => [row, Buffer.of(0x0a)]));
  const ending = r.next();
  if (ending < 0.05) stream = stream.subarray(0, stream.length - 1); // no line break after the last row
  else if (ending < 0.1) stream = stream.subarray(0, r.int(stream.length + 1)); // cut anywhere
  else if (ending < 0.12) stream = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), stream]); // a BOM first
  return { task, rows, stream };
}

const FIELD_BYTES = [0x09, 0x0a, 0x5c, 0x22, 0x20, 0x30, 0x39, 0x61, 0x66, 0x67, 0x41, 0x7b, 0x7d, 0x2c, 0x3a, 0x2b, 0x2d, 0x2e, 0x7f, 0x80, 0xbf, 0xc3, 0xe6, 0xed, 0xf0, 0xff, 0x01];

const BAD_TIMES = ['2026-12-06T07:52:00Z', '2026-12-06 07:52:00+09', '2026-12-06 07:52:00.1234567+00', '2026-12-06 07:52:00.+00', '2026-12-06 07:52:00,5+00', '12026-12-06 07:52:00+00', '2026-12-06 07:52:00.123456+00', '2026-12-06 07:52:00+00', '2026-12-06 07:5x:00.1+00', '', '2026-12-06 07:52:00.100+00'];

/** Changes the rows as an attacker (or a fault) might. */
function tamper(r: Random, rows: Buffer[]): void {
  const i = r.int(rows.length);
  const fields = () => rows[i]!.toString('utf8').split('\t');
  const setField = (index: number, value: string) => {
    const f = fields();
    if (f.length === 8) f[index] = value;
    rows[i] = Buffer.from(f.join('\t'), 'utf8');
  };
  switch (r.pick(['byte', 'byte', 'byte', 'delete', 'swap', 'double', 'link', 'hash', 'hash', 'at', 'seq', 'empty', 'escape'])) {
    case 'byte': {
      const row = Buffer.from(rows[i]!);
      if (row.length > 0) row[r.int(row.length)] = r.next() < 0.7 ? r.pick(FIELD_BYTES) : r.int(256);
      rows[i] = row;
      return;
    }
    case 'delete':
      rows.splice(i, 1);
      return;
    case 'swap': {
      const j = r.int(rows.length);
      [rows[i], rows[j]] = [rows[j]!, rows[i]!];
      return;
    }
    case 'double':
      rows.splice(i, 0, rows[i]!);
      return;
    case 'link':
      return setField(6, r.next() < 0.8 ? crypto.randomBytes(32).toString('hex') : r.pick(['', GENESIS_HASH.toUpperCase(), 'x'.repeat(64), '0'.repeat(63)]));
    case 'hash': {
      const hash = fields()[7] ?? '';
      const k = r.int(64);
      return setField(7, r.pick([hash.toUpperCase(), hash.slice(0, k) + (hash[k] === '0' ? '1' : '0') + hash.slice(k + 1), hash.slice(1), `${hash}0`]));
    }
    case 'at':
      return setField(1, r.pick(BAD_TIMES));
    case 'seq': {
      const seq = fields()[0] ?? '';
      return setField(0, r.pick([`0${seq}`, `-${seq}`, `${seq}.0`, ' ', `${Number(seq) + 1}`, '1e3', '9'.repeat(17)]));
    }
    case 'empty':
      rows.splice(i, 0, Buffer.alloc(0));
      return;
    default:
      // A field with a COPY escape in it (a tab, or a backslash) that still hashes the same? No: the text path judges it.
      return setField(r.int(8), `${fields()[r.int(8)] ?? ''}\\t`);
  }
}

/** Random cuts, sometimes a byte at a time, sometimes views of one buffer, sometimes copies. */
function chunksOf(r: Random, stream: Buffer): Uint8Array[] {
  // A byte at a time only for short streams (LineSplitter's cost grows with the row for each byte).
  const mode = r.pick([stream.length < 8000 ? 'one' : 'small', 'small', 'medium', 'large', 'whole']);
  const max = mode === 'one' ? 1 : mode === 'small' ? 7 : mode === 'medium' ? 300 : mode === 'large' ? 65_536 : stream.length + 1;
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; ) {
    const n = Math.max(1, Math.min(stream.length - at, 1 + r.int(max)));
    const view = stream.subarray(at, at + n);
    out.push(r.next() < 0.3 ? new Uint8Array(view) : view);
    at += n;
  }
  if (r.next() < 0.1) out.splice(r.int(out.length + 1), 0, new Uint8Array(0));
  return out;
}

function byText(task: RangeTask, chunks: Uint8Array[]): RangeResult {
  const checker = new RangeChecker(task);
  const split = new LineSplitter();
  for (const chunk of chunks) for (const line of split.push(chunk)) checker.line(line);
  for (const line of split.end()) checker.line(line);
  return checker.finish();
}

function byBytes(task: RangeTask, chunks: Uint8Array[]): RangeResult {
  const checker = new RangeChecker(task);
  for (const chunk of chunks) checker.chunk(chunk);
  checker.end();
  return checker.finish();
}

/** The compact range of the first `checked` rows' hashes, by appendNodes (the shape RangeChecker had before the byte path). */
function expectedNodes(rows: Buffer[], checked: number): RangeNode[] {
  const stack: RangeNode[] = [];
  for (const row of rows.slice(0, checked)) {
    const hash = Buffer.from(row.subarray(row.length - 64).toString('latin1'), 'hex');
    appendNodes(stack, [{ level: 0, hash: crypto.createHash('sha256').update(Buffer.of(0)).update(hash).digest() }]);
  }
  return stack;
}

describe('RangeChecker.chunk (the byte path) gives line()\'s answer', () => {
  it('on 3,000 random ranges, cut at random and tampered with at random', () => {
    const seen = { ok: 0, bad: new Map<string, number>(), byteRows: 0 };
    for (let seed = 1; seed <= 3000; seed++) {
      const r = randomOf(seed * 7919);
      const c = makeCase(seed);
      const chunks = chunksOf(r, c.stream);
      const text = byText(c.task, chunks);
      const bytes = byBytes(c.task, chunks);
      expect(bytes, `seed ${seed}`).toEqual(text);
      if (c.task.tree && !c.stream.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))) expect(text.nodes, `seed ${seed}`).toEqual(expectedNodes(c.rows, text.checked));
      if (text.bad) seen.bad.set(text.bad.reason, (seen.bad.get(text.bad.reason) ?? 0) + 1);
      else seen.ok++;
    }
    console.log(`ranges intact: ${seen.ok}; problems found: ${JSON.stringify(Object.fromEntries(seen.bad))}`);
    // Not vacuous: intact ranges and every kind of problem a range can find.
    expect(seen.ok).toBeGreaterThan(500);
    for (const reason of ['missing_entry', 'not_canonical', 'broken_link', 'hash_mismatch', 'checkpoint_mismatch']) expect(seen.bad.get(reason) ?? 0, reason).toBeGreaterThan(20);
  });

  it('takes the door\'s usual entries on the byte path, and finds a changed one there with the same words', () => {
    const { rows, stream } = doorRange(64, () => undefined);
    const task: RangeTask = { chain: 'main', from: 1, to: 64, tree: true, expect: [], snapshotSizes: [] };
    const checker = new RangeChecker(task);
    const line = vi.spyOn(checker, 'line');
    for (let at = 0; at < stream.length; at += 1000) checker.chunk(stream.subarray(at, at + 1000));
    checker.end();
    expect(line).not.toHaveBeenCalled();
    expect(checker.finish()).toEqual(byText(task, [stream]));
    expect(checker.finish().checked).toBe(64);
    expect(checker.finish().nodes).toEqual(expectedNodes(rows, 64));

    // One stored hash changed (so entry 41's own hash check fails): found on the byte path too.
    const changed = Buffer.from(stream);
    const at = changed.indexOf(rows[40]!) + rows[40]!.length - 1;
    changed[at] = changed[at] === 0x30 ? 0x31 : 0x30;
    const again = new RangeChecker(task);
    const lineAgain = vi.spyOn(again, 'line');
    again.chunk(changed);
    again.end();
    expect(lineAgain).not.toHaveBeenCalled();
    expect(again.finish().bad).toEqual({ chain: 'main', seq: 41, reason: 'hash_mismatch', message: 'Entry 41 was changed after it was written.' });
    expect(again.finish()).toEqual(byText(task, [changed]));
  });

  it('a snapshot and the compact range after a mix of byte-path and text-path rows', () => {
    // Every third row needs the text path (a COPY escape in its subject).
    const { rows, stream, lastHash } = doorRange(37, (seq) => (seq % 3 === 0 ? `thing:${seq}\twith\\slash` : undefined));
    const task: RangeTask = { chain: 'main', from: 1, to: 37, tree: true, expect: [[5, [{ hash: rows[4]!.subarray(-64).toString(), at: 'x' }]]], snapshotSizes: [1, 3, 4, 16, 30, 37] };
    const checker = new RangeChecker(task);
    const line = vi.spyOn(checker, 'line');
    checker.chunk(stream);
    checker.end();
    const bytes = checker.finish();
    expect(line).toHaveBeenCalledTimes(12);
    expect(bytes.bad).toBeNull();
    expect(bytes.checked).toBe(37);
    expect(bytes.lastHash).toBe(lastHash);
    expect(bytes.nodes).toEqual(expectedNodes(rows, 37));
    expect(bytes.snapshots).toEqual([1, 3, 4, 16, 30, 37].map((size) => [size, expectedNodes(rows, size)]));
    expect(bytes).toEqual(byText(task, [stream]));
  });
});

/** A range of door entries from seq 1 on the main chain, as COPY sends it; `subjectOf` may give an entry another subject. */
function doorRange(count: number, subjectOf: (seq: number) => string | undefined) {
  const r = randomOf(count);
  const rooms = [r.uuid(), r.uuid()];
  const people = [r.uuid(), r.uuid(), r.uuid()];
  let prevHash = GENESIS_HASH;
  const rows: Buffer[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const f = randomFields(r, rooms, people, 0);
    const subject = subjectOf(seq) ?? f.subject;
    const at = new Date(Date.UTC(2026, 0, 1) + seq * 1001);
    const hash = entryHashOfCanonical({ chain: 'main', seq, at, actor: f.actor, action: f.action, subject, payload: f.payload, prevHash });
    rows.push(Buffer.from([String(seq), pgTimeText(at, 0), f.actor, f.action, subject, f.payload, prevHash, hash].map(copyText).join('\t')));
    prevHash = hash;
  }
  return { rows, stream: Buffer.concat(rows.flatMap((row) => [row, Buffer.of(0x0a)])), lastHash: prevHash };
}

describe('surelyCanonicalBytes', () => {
  it('confirms the door\'s payloads and Japanese text, and refuses what surelyCanonical refuses', () => {
    const confirm = (text: string) => {
      const b = Buffer.from(`xx${text}yy`, 'utf8');
      return surelyCanonicalBytes(b, 2, b.length - 2);
    };
    const door = `{"decision":"granted","direction":"in","entryId":"${crypto.randomUUID()}","personId":"${crypto.randomUUID()}","reason":null,"roomId":"${crypto.randomUUID()}"}`;
    for (const text of [door, canonicalJson({ name: '山田 花子', count: 12, items: [1, 2, { a: true, b: false }], ratio: 0.25 }), '{"10":"a","9":"b"}', '[]', '42', '{"é":1,"日本":2}']) expect(confirm(text), text).toBe(true);
    for (const text of ['{"b":1,"a":2}', '{"a":1,"a":1}', '{ "a":1}', '{"a":1.0}', '{"a":-0}', '{"a":01}', '{"a":"\\u0041"}', '{"9":1,"10":2}', '{"a":1}x', '{"a":1', '[1,]', '"😀"', '{"a":"x\ty"}', '', 'tru']) {
      expect(confirm(text), text).toBe(false);
    }
  });

  it('never confirms bytes whose decoded text surelyCanonical does not confirm, nor bytes that are not that text\'s UTF-8: 20,000 random payloads and byte changes', () => {
    let confirmed = 0;
    for (let seed = 1; seed <= 10_000; seed++) {
      const r = randomOf(seed);
      const canonical = Buffer.from(canonicalJson(randomValue(r)), 'utf8');
      const changed = Buffer.from(canonical);
      if (changed.length > 0) changed[r.int(changed.length)] = r.next() < 0.5 ? r.pick(FIELD_BYTES) : r.int(256);
      for (const b of [canonical, changed]) {
        if (!surelyCanonicalBytes(b, 0, b.length)) continue;
        confirmed++;
        const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(b);
        expect(surelyCanonical(text), text).toBe(true);
        expect(Buffer.from(text, 'utf8').equals(b), text).toBe(true);
      }
    }
    expect(confirmed).toBeGreaterThan(5000);
  });
});
