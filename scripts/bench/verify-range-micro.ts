// The verifier's per-entry cost on one thread, without a database (issue 19: ≥ 200,000 entries/s
// on two CPUs needs about 5 µs an entry on each): ~300,000 door entries as PostgreSQL's text COPY
// sends them (made as scripts/bench/journal-seed.ts makes them), checked in 64 KiB chunks by the
// text path (LineSplitter + RangeChecker.line) and by the byte path (RangeChecker.chunk),
// interleaved, five rounds each. Prints µs per entry for both and their ratio.
//
//   npm run bench:verify-micro [-- entries]
import { GENESIS_HASH, MAIN_CHAIN } from '../../server/journal/journal.js';
import { benchJournalEntries } from './journal-seed.js';
import { LineSplitter, RangeChecker, type RangeResult, type RangeTask } from '../../server/journal/verify-range.js';

const COUNT = Number(process.argv[2] ?? 300_000);
const CHUNK = 64 * 1024;
const ROUNDS = 5;

/** A timestamptz as COPY writes it on a UTC session (DateStyle ISO): no trailing zeros in the fraction. */
function pgTimeText(at: Date): string {
  const iso = at.toISOString();
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}+00`;
}

function copyText(count: number): Buffer {
  const step = Math.max(1, Math.floor((365 * 86_400_000) / count)) + 7; // not whole seconds: fractions of every length
  const parts: string[] = [];
  for (const e of benchJournalEntries({ seq: 0, prevHash: GENESIS_HASH, at: Date.now() - 365 * 86_400_000, step }, count)) {
    parts.push(`${e.seq}\t${pgTimeText(e.at)}\t${e.actor}\t${e.action}\t${e.subject}\t${e.payload}\t${e.prevHash}\t${e.hash}\n`);
  }
  return Buffer.from(parts.join(''), 'utf8');
}

const task: RangeTask = { chain: MAIN_CHAIN, from: 1, to: COUNT, tree: true, expect: [], snapshotSizes: [] };

function byText(chunks: Buffer[]): RangeResult {
  const checker = new RangeChecker(task);
  const split = new LineSplitter();
  for (const chunk of chunks) for (const line of split.push(chunk)) checker.line(line);
  for (const line of split.end()) checker.line(line);
  return checker.finish();
}

function byBytes(chunks: Buffer[]): RangeResult {
  const checker = new RangeChecker(task);
  for (const chunk of chunks) checker.chunk(chunk);
  checker.end();
  return checker.finish();
}

const stream = copyText(COUNT);
const chunks: Buffer[] = [];
// Copies, as pg-copy-streams hands out Buffers of their own.
for (let at = 0; at < stream.length; at += CHUNK) chunks.push(Buffer.from(stream.subarray(at, at + CHUNK)));
console.log(`${COUNT} entries, ${(stream.length / 1048576).toFixed(1)} MiB of COPY text, ${chunks.length} chunks of 64 KiB`);

// CPU time of this process (all its threads: the collector's too), not wall time: another
// program on the machine slows the wall clock but costs this one no CPU.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const times = { text: [] as number[], bytes: [] as number[] };
const wall = { text: [] as number[], bytes: [] as number[] };
let reference: RangeResult | null = null;
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of [['text', byText], ['bytes', byBytes]] as const) {
    const started = performance.now();
    const startedCpu = cpuMs();
    const result = run(chunks);
    const ms = cpuMs() - startedCpu;
    wall[name].push(((performance.now() - started) * 1000) / COUNT);
    if (result.bad || result.checked !== COUNT) throw new Error(`${name}: ${JSON.stringify(result.bad)} after ${result.checked}`);
    if (reference && (result.lastHash !== reference.lastHash || !result.nodes.every((n, k) => n.hash.equals(reference!.nodes[k]!.hash)))) throw new Error(`${name}: another answer`);
    reference ??= result;
    times[name].push((ms * 1000) / COUNT);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
console.log(`text path  (LineSplitter + line): ${show(times.text)} µs CPU/entry; median ${median(times.text).toFixed(2)} (wall ${median(wall.text).toFixed(2)})`);
console.log(`byte path  (chunk):               ${show(times.bytes)} µs CPU/entry; median ${median(times.bytes).toFixed(2)} (wall ${median(wall.bytes).toFixed(2)})`);
console.log(`byte/text: ${(median(times.bytes) / median(times.text)).toFixed(3)} (${((1 - median(times.bytes) / median(times.text)) * 100).toFixed(0)} % less per entry); byte path on one thread: ${Math.round(1e6 / median(times.bytes)).toLocaleString('en')} entries/s`);
