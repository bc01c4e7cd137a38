// `npm run bench:report`: the depositor's monthly report (issue 18, "Speed": the report of a
// depositor with 500 media and 2,000 custody steps in the month renders within 2 s), against a real
// PostgreSQL.
//
//   1. creates a fresh database tachiai_bench_report_<ts> (dropped at the end, also on Ctrl-C,
//      unless --keep), migrates it and seeds, in a few bulk statements (INSERT … SELECT unnest of
//      arrays built here), a site with one secure room and a second one, two depositors with --media
//      media each (500) held in their own ten storage locations, and --steps custody steps each
//      (2,000) in last month on the site's clock: receipts from the depositor, check-outs and
//      check-ins, internal handovers, returns to the depositor, transfers sent and received,
//      approved copies, destructions with certificate numbers — each with the rows the services
//      would write beside the step (signed record, handover, transfer, destruction, copy approval;
//      the media's current status as the last step left it), simulated medium by medium so every
//      move is one ACTIONS allows — plus each location's inspection of the month (one with a
//      discrepancy), appointments, a training, a drill and notices; a responsible person with an
//      account and a badge whose PIN this benchmark knows (random per run); ANALYZE;
//   2. times the report's read model (monthFacts) in this process, statement by statement, warm
//      (--explain: EXPLAIN (ANALYZE, BUFFERS) of those slower than --explain-ms);
//   3. starts the server as a child process (RSS sampled), signs in as the responsible person and
//      times, --runs times each (the first is the server's first: cold), GET
//      /api/monthly-reports/draft (JSON, and format=html), POST /api/monthly-reports (signing,
//      once), POST …/prints (once, the responsible person present) and GET …/page?print=1 in ja and
//      en; checks that the content has the depositor's media and steps and nothing of the other;
//   4. with Chromium (/usr/bin/chromium, playwright-core) times the printed page until it is a PDF:
//      page.goto until loaded, fonts ready, then page.pdf (A4) — what "renders" means for a report
//      that is filed on paper; skipped, saying so, without Chromium or with --no-pdf;
//   5. prints a summary with the target (draft, page and PDF each ≤ 2 s) and the server's RSS.
// Exit 0 whatever the figures; non-zero only when the run itself failed.
//
// Admin connection: DATABASE_URL if set, otherwise postgres://postgres@127.0.0.1:5432/postgres.
// Only loopback traffic. Options: --help.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSecrets } from '../../server/secrets.js';
import { createPerson } from '../../server/people/service.js';
import { hashPin } from '../../server/shared/secret-hash.js';
import { badgeTokenFor, newBadgeNonce, tokenDigest } from '../../server/badges/tokens.js';
import { randomPin } from '../../server/badges/pins.js';
import { certificateNo } from '../../server/destructions/rules.js';
import { monthOf, monthPeriod, type ReportContent } from '../../server/reports/content.js';
import { monthFacts } from '../../server/reports/facts.read-model.js';
import { adminQuery, httpRequest, mb, ms, readMemory, sleep, stats, table, cleanUpOnSignals, runBenchmark, throwawaySecretsEnv, policyPassword } from './lib.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const USAGE = `Usage: npm run bench:report -- [options]

  --media N        media of each depositor (500), 30 of them new in the month
  --steps N        custody steps of each depositor's media in the month (2000)
  --runs N         requests of each kind, the first one cold (5); PDFs: --pdf-runs (3) per language
  --pdf-runs N     renderings to PDF per language (3)
  --no-pdf         skip the PDF (Chromium)
  --explain        EXPLAIN (ANALYZE, BUFFERS) of the read model's statements slower than --explain-ms
  --explain-ms N   (20)
  --keep           keep the bench database (and print its URL) instead of dropping it
  --help           this text

Environment: DATABASE_URL (admin connection; default postgres://postgres@127.0.0.1:5432/postgres),
CHROMIUM_PATH (default /usr/bin/chromium), BENCH_NODE_ARGS (V8 flags for the server; default those
of npm start).`;

const { values: opt } = parseArgs({
  options: {
    media: { type: 'string', default: '500' },
    steps: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
    'pdf-runs': { type: 'string', default: '3' },
    'no-pdf': { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
    'explain-ms': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
function intOpt(name: 'media' | 'steps' | 'runs' | 'pdf-runs' | 'explain-ms', min: number, max: number): number {
  const v = Number(opt[name]);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.error(`--${name} must be an integer in ${min}..${max}\n\n${USAGE}`);
    process.exit(2);
  }
  return v;
}
const P = { media: intOpt('media', 200, 100_000), steps: intOpt('steps', 400, 1_000_000), runs: intOpt('runs', 1, 100), pdfRuns: intOpt('pdf-runs', 1, 20), explainMs: intOpt('explain-ms', 0, 600_000) };
const TARGET_MS = 2000;

const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14) + '_' + crypto.randomBytes(2).toString('hex');
const benchDb = `tachiai_bench_report_${stamp}`;
const benchUrl = Object.assign(new URL(adminUrl), { pathname: `/${benchDb}` }).toString();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-bench-report-'));
const state = { server: null as ServerProcess | null, created: false, handles: new Set<Database>(), closers: new Set<() => Promise<unknown>>(), cleaning: null as Promise<void> | null };

function cleanUp(): Promise<void> {
  state.cleaning ??= (async () => {
    for (const close of state.closers) await close().catch(() => undefined);
    await state.server?.stop().catch(() => undefined);
    for (const h of state.handles) await h.close().catch(() => undefined);
    if (state.created) {
      if (opt.keep) log(`kept the bench database: ${benchUrl}`);
      else await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${benchDb} WITH (FORCE)`).then(() => log(`dropped database ${benchDb}`), (err: Error) => log(`could not drop ${benchDb}: ${err.message}`));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  })();
  return state.cleaning;
}

cleanUpOnSignals(log, cleanUp);

// ---------------------------------------------------------------- 1. the seed

/** A deterministic PRNG: the same site every run (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Status = 'stored' | 'checked_out' | 'in_transit' | 'returned_to_depositor' | 'destroyed';

interface Medium {
  id: string;
  label: string;
  kind: string;
  classification: string;
  home: string;
  status: Status;
  locationId: string | null;
  holder: string | null;
  transferId: string | null;
  createdAt: Date;
  changedAt: Date;
  sourceId: string | null;
  approvalId: string | null;
}

/** The rows of every table, as columns for INSERT … SELECT FROM unnest(…). */
class Rows {
  readonly tables = new Map<string, { columns: Array<[string, string]>; rows: unknown[][] }>();
  add(table: string, columns: Array<[string, string]>, row: unknown[]): void {
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = { columns, rows: [] }));
    t.rows.push(row);
  }
}

const UUID = 'uuid';
const TEXT = 'text';
const TS = 'timestamptz';

interface SiteRefs {
  roomId: string;
  storeRoomId: string;
  storeLocationId: string;
  staff: string[];
  responsibleId: string;
}

interface Expected {
  media: number;
  held: number;
  stepsInMonth: number;
  byAction: Record<string, number>;
  events: Record<string, number>;
  gone: Record<string, number>;
  inspections: number;
  labelPrefix: string;
}

/**
 * One depositor's media and month, simulated in time order so that each step is a move the
 * custody rules allow from the medium's status then; writes the rows the services would write.
 */
function seedDepositor(rows: Rows, o: { depositorId: string; contactId: string; prefix: string; locations: string[]; site: SiteRefs; from: Date; to: Date; month: string; seed: number; certSeq: { n: number }; year: number }): Expected {
  const rnd = prng(o.seed);
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]!;
  const media: Medium[] = [];
  const byAction: Record<string, number> = {};
  const events: Record<string, number> = { receipt: 0, handover: 0, transfer: 0, copy: 0, destruction: 0 };
  let inMonth = 0;
  const kinds = ['usb', 'hdd', 'paper', 'optical', 'ssd', 'tape'];
  const classes = ['secret', 'confidential', 'top_secret'];
  const newMedium = (at: Date, home: string, extra: Partial<Medium> = {}): Medium => {
    const n = media.length + 1;
    const m: Medium = { id: crypto.randomUUID(), label: `${o.prefix}-${String(n).padStart(5, '0')}`, kind: kinds[n % kinds.length]!, classification: classes[n % classes.length]!, home, status: 'stored', locationId: home, holder: null, transferId: null, createdAt: at, changedAt: at, sourceId: null, approvalId: null, ...extra };
    media.push(m);
    return m;
  };
  const record = (kind: string, at: Date, content: Record<string, unknown>, roomId: string | null = o.site.roomId): string => {
    const id = crypto.randomUUID();
    const text = JSON.stringify({ kind, id, ...content });
    rows.add('signed_records', [['id', UUID], ['kind', TEXT], ['content', TEXT], ['content_hash', TEXT], ['room_id', UUID], ['place', TEXT], ['presence_verified', 'boolean'], ['created_by', TEXT], ['created_at', TS]], [
      id, kind, text, crypto.createHash('sha256').update(text).digest('hex'), roomId, roomId ? null : String(content.destination ?? ''), true, 'bench:seed', at,
    ]);
    return id;
  };
  const step = (m: Medium, action: string, to: Status, at: Date, recordId: string | null, details: Record<string, unknown> = {}, place: { locationId?: string | null; holder?: string | null; transferId?: string | null } = {}) => {
    const from = action === 'registered' || action === 'received_from_depositor' || action === 'copied' ? null : m.status;
    m.status = to;
    m.locationId = to === 'stored' ? (place.locationId ?? m.locationId ?? m.home) : null;
    m.holder = to === 'checked_out' ? (place.holder ?? m.holder) : null;
    m.transferId = to === 'in_transit' ? (place.transferId ?? null) : null;
    m.changedAt = at;
    rows.add('custody_steps', [['medium_id', UUID], ['action', TEXT], ['from_status', TEXT], ['to_status', TEXT], ['record_id', UUID], ['holder_person_id', UUID], ['location_id', UUID], ['actor', TEXT], ['at', TS], ['details', TEXT]], [
      m.id, action, from, to, recordId, m.holder, m.locationId, 'bench:seed', at, JSON.stringify(details),
    ]);
    if (at >= o.from && at < o.to) {
      inMonth += 1;
      byAction[action] = (byAction[action] ?? 0) + 1;
    }
  };
  const stored = () => media.filter((m) => m.status === 'stored');
  const takeStored = (n: number) => {
    const pool = stored();
    const out: Medium[] = [];
    while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]!);
    return out;
  };
  const minutes = (at: Date, n: number) => new Date(at.getTime() + n * 60_000);
  const handoverRow = (recordId: string, direction: string, fromPerson: string, toPerson: string, at: Date, list: Medium[]) => {
    const id = crypto.randomUUID();
    rows.add('handovers', [['id', UUID], ['record_id', UUID], ['direction', TEXT], ['from_person_id', UUID], ['to_person_id', UUID], ['room_id', UUID], ['created_by', TEXT], ['at', TS]], [id, recordId, direction, fromPerson, toPerson, o.site.roomId, 'bench:seed', at]);
    list.forEach((m, i) => rows.add('handover_media', [['handover_id', UUID], ['medium_id', UUID], ['position', 'smallint']], [id, m.id, i]));
  };

  // Before the month: the media registered over the quarter before.
  const newInMonth = 30; // 20 received from the depositor, 10 approved copies
  const regStart = new Date(o.from.getTime() - 90 * 86_400_000);
  for (let i = 0; i < P.media - newInMonth; i += 1) {
    const m = newMedium(minutes(regStart, i * 5), o.locations[i % o.locations.length]!);
    step(m, 'registered', 'stored', m.createdAt, null, {}, { locationId: m.home });
  }

  // The month's operations, in a shuffled order; their steps: receipts 4×5, copies 5×(2+1),
  // internal handovers 10×2×3 (out, handed over, back in), returns 2×5×2, transfers sent 6×5 and
  // received 4×5, destructions 4×5; the rest check-out / check-in pairs, and a few media still
  // out at the month's end (back in after it).
  type Op = 'receipt' | 'copy' | 'handover' | 'return' | 'send' | 'receive' | 'destroy' | 'pair' | 'inspect' | 'out';
  const fixed: Array<[Op, number, number]> = [['receipt', 4, 5], ['copy', 5, 3], ['handover', 10, 6], ['return', 2, 10], ['send', 6, 5], ['receive', 4, 5], ['destroy', 4, 5]];
  const fixedSteps = fixed.reduce((t, [, n, s]) => t + n * s, 0);
  const pairs = Math.floor((P.steps - fixedSteps - 12) / 2);
  const outAtEnd = P.steps - fixedSteps - 2 * pairs;
  const ops: Op[] = [];
  for (const [op, n] of fixed) for (let i = 0; i < n; i += 1) ops.push(op);
  for (let i = 0; i < pairs; i += 1) ops.push('pair');
  for (let i = 0; i < o.locations.length; i += 1) ops.push('inspect');
  for (let i = ops.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rnd() * (i + 1));
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  }
  // A transfer is received after it was sent: a receipt with nothing in transit waits for a send.
  const queue: Op[] = [];
  const waiting: Op[] = [];
  let sent = 0;
  for (const op of ops) {
    if (op === 'receive' && sent === 0) {
      waiting.push(op);
      continue;
    }
    queue.push(op);
    if (op === 'receive') sent -= 1;
    if (op !== 'send') continue;
    sent += 1;
    if (waiting.length) {
      queue.push(waiting.pop()!);
      sent -= 1;
    }
  }
  queue.push(...waiting);
  for (let i = 0; i < outAtEnd; i += 1) queue.push('out');

  const span = o.to.getTime() - o.from.getTime() - 2 * 3_600_000;
  const inTransit: Array<{ id: string; media: Medium[]; destination: string }> = [];
  let receipts = 0;
  let inspected = 0;
  let transfers = 0;
  // Each operation has a slot of its own; its later steps (back in, handed over) stay inside it,
  // so that the steps' times keep the order in which they were simulated.
  const slot = span / queue.length;
  const gapMs = Math.min(600_000, Math.floor(slot / 3));
  const later = (at: Date, n: number) => new Date(at.getTime() + n * gapMs);
  queue.forEach((op, k) => {
    const at = new Date(o.from.getTime() + 3_600_000 + Math.floor((k + 0.25) * slot));
    const h1 = pick(o.site.staff);
    const h2 = o.site.staff.find((s) => s !== h1)!;
    switch (op) {
      case 'pair':
      case 'out': {
        const [m] = takeStored(1);
        if (!m) throw new Error('no stored medium left to check out');
        step(m, 'checkout', 'checked_out', at, record('checkout', at, { mediaIds: [m.id], holder: h1 }), {}, { holder: h1 });
        if (op === 'pair') step(m, 'checkin', 'stored', later(at, 1), record('checkin', later(at, 1), { mediaIds: [m.id], locationId: m.home }), {}, { locationId: m.home });
        break;
      }
      case 'receipt': {
        const rec = record('handover', at, { direction: 'from_depositor', from: o.contactId, to: h1 });
        const list: Medium[] = [];
        for (let i = 0; i < 5; i += 1) {
          const m = newMedium(at, o.locations[(media.length + i) % o.locations.length]!);
          step(m, 'received_from_depositor', 'stored', at, rec, { handoverNo: ++receipts }, { locationId: m.home });
          list.push(m);
        }
        handoverRow(rec, 'from_depositor', o.contactId, h1, at, list);
        events.receipt! += 1;
        break;
      }
      case 'copy': {
        const [source] = takeStored(1);
        const approval = crypto.randomUUID();
        rows.add('copy_approvals', [['id', UUID], ['source_medium_id', UUID], ['copies', 'integer'], ['used', 'integer'], ['approved_by_person_id', UUID], ['document_ref', TEXT], ['purpose', TEXT], ['approved_at', TS], ['created_by', TEXT]], [
          approval, source!.id, 2, 2, o.site.responsibleId, `COPY-${o.prefix}-${approval.slice(0, 6)}`, '検証用の複製', minutes(at, -60 * 24), 'bench:seed',
        ]);
        const made = [0, 1].map(() => newMedium(at, source!.home, { sourceId: source!.id, approvalId: approval, kind: source!.kind, classification: source!.classification }));
        for (const m of made) step(m, 'copied', 'stored', at, null, { sourceMediumId: source!.id, copyApprovalId: approval }, { locationId: m.home });
        step(source!, 'copy_made', 'stored', at, null, { copyApprovalId: approval, copies: made.map((m) => ({ id: m.id, label: m.label })) });
        events.copy! += 1;
        break;
      }
      case 'handover': {
        const list = takeStored(2);
        const out = record('checkout', at, { mediaIds: list.map((m) => m.id), holder: h1 });
        for (const m of list) step(m, 'checkout', 'checked_out', at, out, {}, { holder: h1 });
        const rec = record('handover', later(at, 1), { direction: 'internal', from: h1, to: h2 });
        for (const m of list) step(m, 'handover', 'checked_out', later(at, 1), rec, {}, { holder: h2 });
        handoverRow(rec, 'internal', h1, h2, later(at, 1), list);
        const back = record('checkin', later(at, 2), { mediaIds: list.map((m) => m.id) });
        for (const m of list) step(m, 'checkin', 'stored', later(at, 2), back, {}, { locationId: m.home });
        events.handover! += 1;
        break;
      }
      case 'return': {
        const list = takeStored(5);
        const out = record('checkout', at, { mediaIds: list.map((m) => m.id), holder: h1 });
        for (const m of list) step(m, 'checkout', 'checked_out', at, out, {}, { holder: h1 });
        const rec = record('handover', later(at, 1), { direction: 'to_depositor', from: h1, to: o.contactId });
        for (const m of list) step(m, 'return_to_depositor', 'returned_to_depositor', later(at, 1), rec);
        handoverRow(rec, 'to_depositor', h1, o.contactId, later(at, 1), list);
        events.handover! += 1;
        break;
      }
      case 'send': {
        const list = takeStored(5);
        const id = crypto.randomUUID();
        const destination = transfers++ % 2 === 0 ? '預託元 本社 (東京都千代田区)' : '第2保管室 (別棟)';
        const rec = record('transfer', at, { transferId: id, destination, mediaIds: list.map((m) => m.id) });
        rows.add('transfers', [['id', UUID], ['record_id', UUID], ['destination', TEXT], ['method', TEXT], ['escort_person_id', UUID], ['status', TEXT], ['created_by', TEXT], ['sent_at', TS], ['receipt_record_id', UUID], ['receipt_outcome', TEXT], ['received_by_name', TEXT], ['received_at', TS]], [
          id, rec, destination, 'hand_carry', h1, 'in_transit', 'bench:seed', at, null, null, null, null,
        ]);
        list.forEach((m, i) => rows.add('transfer_media', [['transfer_id', UUID], ['medium_id', UUID], ['position', 'smallint']], [id, m.id, i]));
        for (const m of list) step(m, 'transfer_send', 'in_transit', at, rec, { transferId: id, destination, method: 'hand_carry' }, { transferId: id });
        inTransit.push({ id, media: list, destination });
        events.transfer! += 1;
        break;
      }
      case 'receive': {
        const t = inTransit.shift()!;
        const toDepositor = t.destination.startsWith('預託元');
        const rec = record('transfer_receipt', at, { transferId: t.id, outcome: toDepositor ? 'returned_to_depositor' : 'stored' }, toDepositor ? null : o.site.storeRoomId);
        for (const m of t.media) step(m, 'transfer_receive', toDepositor ? 'returned_to_depositor' : 'stored', at, rec, { transferId: t.id, receivedByName: '受領 太郎' }, { locationId: o.site.storeLocationId });
        // The transfer row was written as sent; its receipt is filled in below (one row, as the service updates it).
        const row = rows.tables.get('transfers')!.rows.find((r) => r[0] === t.id)!;
        row[5] = 'received';
        row[8] = rec;
        row[9] = toDepositor ? 'returned_to_depositor' : 'stored';
        row[10] = '受領 太郎';
        row[11] = at;
        events.transfer! += 1;
        break;
      }
      case 'destroy': {
        const list = takeStored(5);
        const id = crypto.randomUUID();
        const number = certificateNo(o.year, ++o.certSeq.n);
        const rec = record('destruction', at, { destructionId: id, certificateNo: number, mediaIds: list.map((m) => m.id) });
        rows.add('destructions', [['id', UUID], ['record_id', UUID], ['certificate_no', TEXT], ['method', TEXT], ['category', TEXT], ['security_level', TEXT], ['performed_by_person_id', UUID], ['room_id', UUID], ['performed_at', TS], ['created_by', TEXT], ['created_at', TS]], [
          id, rec, number, 'shred', 'destroy', 'P-4', h1, o.site.roomId, at, 'bench:seed', at,
        ]);
        list.forEach((m, i) => rows.add('destruction_media', [['destruction_id', UUID], ['medium_id', UUID], ['position', 'smallint'], ['security_level', TEXT]], [id, m.id, i, 'P-4']));
        for (const m of list) step(m, 'destroy', 'destroyed', at, rec, { destructionId: id, certificateNo: number });
        events.destruction! += 1;
        break;
      }
      case 'inspect': {
        const location = o.locations[inspected++]!;
        const expected = media.filter((m) => m.status === 'stored' && m.locationId === location).map((m) => m.id);
        // The first inspection misses one medium (a discrepancy the report lists by label).
        const missing = inspected === 1 && expected.length ? [expected[0]!] : [];
        const found = expected.filter((id) => !missing.includes(id));
        const rec = record('inspection', at, { locationId: location, expected, found });
        rows.add('inspections', [['id', UUID], ['record_id', UUID], ['location_id', UUID], ['month', TEXT], ['inspector_person_id', UUID], ['expected_ids', 'text[]'], ['found_ids', 'text[]'], ['missing_ids', 'text[]'], ['unexpected_ids', 'text[]'], ['at', TS]], [
          crypto.randomUUID(), rec, location, o.month, o.site.responsibleId, expected, found, missing, [], at,
        ]);
        break;
      }
    }
  });

  const expected: Expected = {
    media: media.length,
    held: media.filter((m) => ['stored', 'checked_out', 'in_transit'].includes(m.status)).length,
    stepsInMonth: inMonth,
    byAction,
    events,
    gone: {},
    inspections: inspected,
    labelPrefix: o.prefix,
  };
  for (const m of media) if (!['stored', 'checked_out', 'in_transit'].includes(m.status)) expected.gone[m.status] = (expected.gone[m.status] ?? 0) + 1;

  // After the month: the media still out come back (today's status is not the month's end).
  media
    .filter((m) => m.status === 'checked_out')
    .forEach((m, i) => {
      const at = minutes(o.to, 90 + i);
      step(m, 'checkin', 'stored', at, record('checkin', at, { mediaIds: [m.id] }), {}, { locationId: m.home });
    });
  for (const m of media) {
    rows.add('media', [['id', UUID], ['label', TEXT], ['kind', TEXT], ['depositor_org_id', UUID], ['classification', TEXT], ['home_location_id', UUID], ['location_id', UUID], ['status', TEXT], ['holder_person_id', UUID], ['transfer_id', UUID], ['source_medium_id', UUID], ['copy_approval_id', UUID], ['status_changed_at', TS], ['created_at', TS]], [
      m.id, m.label, m.kind, o.depositorId, m.classification, m.home, m.locationId, m.status, m.holder, m.transferId, m.sourceId, m.approvalId, m.changedAt, m.createdAt,
    ]);
  }
  return expected;
}

/** Inserts every table's rows, one statement per table (arrays of columns, unnest). */
async function insertRows(client: pg.Client, rows: Rows): Promise<Record<string, number>> {
  // Parents before children (the foreign keys are checked per statement).
  const order = ['signed_records', 'copy_approvals', 'media', 'custody_steps', 'handovers', 'handover_media', 'transfers', 'transfer_media', 'destructions', 'destruction_media', 'inspections'];
  const counts: Record<string, number> = {};
  for (const name of order) {
    const t = rows.tables.get(name);
    if (!t) continue;
    const arrays = t.columns.filter(([, type]) => type !== 'text[]');
    if (arrays.length === t.columns.length) {
      // unnest of several arrays zips them: one row per index.
      const params = t.columns.map((_, i) => t.rows.map((r) => r[i]));
      const sql = `INSERT INTO ${name} (${t.columns.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${t.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
      await client.query(sql, params);
    } else {
      // Array columns cannot go through unnest (it flattens them): a multi-row VALUES instead.
      const values: unknown[] = [];
      const tuples = t.rows.map((r) => `(${r.map((v, i) => (values.push(v), `$${values.length}::${t.columns[i]![1]}`)).join(', ')})`);
      await client.query(`INSERT INTO ${name} (${t.columns.map(([c]) => c).join(', ')}) VALUES ${tuples.join(', ')}`, values);
    }
    counts[name] = t.rows.length;
  }
  return counts;
}

interface Seeded {
  month: string;
  from: Date;
  to: Date;
  depositorA: { id: string; name: string };
  depositorB: { id: string; name: string };
  expectedA: Expected;
  expectedB: Expected;
  responsible: { id: string; username: string; password: string; badge: string; pin: string };
  counts: Record<string, number>;
  secondsTaken: number;
}

async function seed(ctx: AppContext): Promise<Seeded> {
  const started = performance.now();
  const knex = ctx.db.knex;
  const tz = ctx.config.displayTimeZone;
  // Last month on the site's clock: over, so that it can be signed.
  const [y, m] = monthOf(new Date(), tz).split('-').map(Number) as [number, number];
  const month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  const { from, to } = monthPeriod(month, new Date(), tz);

  const contractor = ((await knex('organisations').whereNot({ kind: 'depositor' }).orderByRaw("kind = 'contractor' DESC").first('id')) as { id: string } | undefined)?.id
    ?? ((await knex('organisations').insert({ name: '立会警備株式会社', kind: 'contractor' }).returning('id')) as Array<{ id: string }>)[0]!.id;
  const [depA, depB] = (await knex('organisations')
    .insert([
      { name: '株式会社アルファ預託', kind: 'depositor', created_at: new Date(from.getTime() - 200 * 86_400_000) },
      { name: '株式会社ベータ預託', kind: 'depositor', created_at: new Date(from.getTime() - 200 * 86_400_000) },
    ])
    .returning(['id', 'name'])) as Array<{ id: string; name: string }>;
  const [roomId, storeRoomId] = ((await knex('rooms').insert([{ name: '媒体保管室', kind: 'secure' }, { name: '第2保管室', kind: 'secure' }]).returning('id')) as Array<{ id: string }>).map((r) => r.id) as [string, string];
  const locationRows = Array.from({ length: 20 }, (_, i) => ({ name: `${i % 3 === 2 ? '金庫' : 'キャビネット'}${String(i + 1).padStart(2, '0')}`, kind: i % 3 === 2 ? 'safe' : 'cabinet', room_id: roomId }));
  const locations = ((await knex('locations').insert([...locationRows, { name: '保管庫1', kind: 'vault', room_id: storeRoomId }]).returning('id')) as Array<{ id: string }>).map((r) => r.id);
  const staff = ((await knex('people').insert(Array.from({ length: 12 }, (_, i) => ({ name: `保管 担当${i + 1}`, org_id: contractor, roles: ['staff'] }))).returning('id')) as Array<{ id: string }>).map((r) => r.id);
  const [contactA, contactB] = ((await knex('people').insert([{ name: '預託 一郎', org_id: depA!.id, roles: [] }, { name: '預託 二郎', org_id: depB!.id, roles: [] }]).returning('id')) as Array<{ id: string }>).map((r) => r.id) as [string, string];

  // The responsible person (責任者) who signs, with an account and a badge whose PIN is known here.
  const password = policyPassword({ username: 'bench-responsible', personName: '責任 花子', orgName: '立会警備株式会社' });
  const pin = randomPin((max) => crypto.randomInt(0, max));
  const person = await knex.transaction((trx) => createPerson(ctx, trx, { name: '責任 花子', orgId: contractor, roles: ['responsible'], account: { username: 'bench-responsible', password } }, 'cli:bench'));
  const nonce = newBadgeNonce();
  const badge = badgeTokenFor(nonce, ctx.secrets.badgeKey);
  await knex('badges').insert({
    person_id: person.id,
    token_nonce: nonce,
    token_digest: tokenDigest(badge),
    pin_hash: await hashPin(pin, ctx.secrets.pinPepper, ctx.config.scryptCost),
    pin_set_at: knex.fn.now(),
    pin_set_how: 'cli',
    valid_from: knex.raw("now() - interval '1 day'"),
  });

  const site: SiteRefs = { roomId, storeRoomId, storeLocationId: locations[20]!, staff, responsibleId: person.id };
  const rows = new Rows();
  const certSeq = { n: 0 };
  const year = Number(month.slice(0, 4));
  const common = { site, from, to, month, certSeq, year };
  const expectedA = seedDepositor(rows, { ...common, depositorId: depA!.id, contactId: contactA, prefix: 'MA', locations: locations.slice(0, 10), seed: 1 });
  const expectedB = seedDepositor(rows, { ...common, depositorId: depB!.id, contactId: contactB, prefix: 'MB', locations: locations.slice(10, 20), seed: 2 });

  const client = new pg.Client({ connectionString: benchUrl });
  await client.connect();
  let counts: Record<string, number>;
  try {
    await client.query('BEGIN');
    counts = await insertRows(client, rows);
    // The counters the services draw the next numbers from.
    await client.query('INSERT INTO certificate_counters (year, last) VALUES ($1, $2) ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last', [year, certSeq.n]);
    // Appointments (E1.1): each depositor's responsible person and staff member; a staff member
    // replaced in the month, a leaver; a training, a fire drill, notices sent to the depositors.
    const day = (d: number) => new Date(from.getTime() + d * 86_400_000 + 10 * 3_600_000);
    for (const [dep, i] of [[depA!.id, 0], [depB!.id, 1]] as const) {
      await client.query(
        `INSERT INTO depositor_appointments (id, depositor_org_id, person_id, role, appointed_at, ended_at, ended_reason, created_by) VALUES
           ($1::uuid, $4::uuid, $5::uuid, 'responsible', $8::timestamptz, NULL, NULL, 'bench:seed'), ($2::uuid, $4::uuid, $6::uuid, 'staff', $8::timestamptz, $9::timestamptz, 'replaced', 'bench:seed'),
           ($3::uuid, $4::uuid, $7::uuid, 'staff', $9::timestamptz, NULL, NULL, 'bench:seed')`,
        [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID(), dep, person.id, staff[2 * i]!, staff[2 * i + 1]!, new Date(from.getTime() - 120 * 86_400_000), day(11 + i)],
      );
      await client.query(
        `INSERT INTO notices (id, kind, cause_subject, cause_action, org_id, recipient_name, recipient_email, lang, subject, body_text, message_id, status, created_at, sent_at)
         SELECT gen_random_uuid(), 'personnel_change', 'person:' || $2::text, 'people.appointment_ended', $1::uuid, $3::text, 'contact@example.invalid', 'ja', '担当者の交代のお知らせ', '担当者が交代しました。', gen_random_uuid()::text || '@bench.invalid', 'sent', $4::timestamptz + g * interval '1 hour', $4::timestamptz + g * interval '1 hour' + interval '1 minute'
           FROM generate_series(0, 1) g`,
        [dep, staff[2 * i + 1]!, i === 0 ? '預託 一郎' : '預託 二郎', day(11 + i)],
      );
    }
    await client.query('UPDATE people SET left_at = $2, left_reason = $3 WHERE id = $1', [staff[1]!, day(12), 'resigned']);
    const training = await client.query<{ id: string }>(`INSERT INTO trainings (title, held_at, instructor, method, content, topics) VALUES ('情報セキュリティ教育 (月次)', $1, '責任 花子', '集合研修', '預託情報の取扱い', '{a,b,c,d,e,f}') RETURNING id`, [day(8)]);
    await client.query('INSERT INTO training_participants (training_id, person_id) SELECT $1, unnest($2::uuid[])', [training.rows[0]!.id, staff]);
    await client.query(`INSERT INTO drills (id, kind, held_at, leader_person_id, findings, created_by) VALUES (gen_random_uuid(), 'fire', $1, $2, '避難経路は確保されていた。', 'bench:seed')`, [day(20), person.id]);
    await client.query('COMMIT');
    for (const t of ['media', 'custody_steps', 'signed_records', 'handovers', 'transfers', 'destructions', 'inspections', 'locations', 'people', 'organisations']) await client.query(`ANALYZE ${t}`);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  return {
    month,
    from,
    to,
    depositorA: depA!,
    depositorB: depB!,
    expectedA,
    expectedB,
    responsible: { id: person.id, username: 'bench-responsible', password, badge, pin },
    counts,
    secondsTaken: (performance.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------- 2. the read model, statement by statement

interface Statement {
  sql: string;
  bindings: unknown[];
  ms: number;
  rows: number;
}

async function breakdown(ctx: AppContext, s: Seeded): Promise<{ statements: Statement[]; totalMs: number }> {
  const knex = ctx.db.knex;
  const statements: Statement[] = [];
  const pending = new Map<string, { sql: string; bindings: unknown[]; started: number }>();
  const onQuery = (q: { __knexQueryUid?: string; sql: string; bindings?: unknown[] }) => {
    if (q.__knexQueryUid) pending.set(q.__knexQueryUid, { sql: q.sql, bindings: q.bindings ?? [], started: performance.now() });
  };
  const onResponse = (response: unknown, q: { __knexQueryUid?: string }) => {
    const p = q.__knexQueryUid ? pending.get(q.__knexQueryUid) : undefined;
    if (!p) return;
    pending.delete(q.__knexQueryUid!);
    const rows = (response as { rows?: unknown[] } | undefined)?.rows?.length ?? (Array.isArray(response) ? response.length : 0);
    statements.push({ sql: p.sql, bindings: p.bindings, ms: performance.now() - p.started, rows });
  };
  // A first pass warms the caches, as the server's own warm runs are.
  await monthFacts(knex, s.depositorA, s.from, s.to);
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  const started = performance.now();
  try {
    await monthFacts(knex, s.depositorA, s.from, s.to);
  } finally {
    knex.removeListener('query', onQuery);
    knex.removeListener('query-response', onResponse);
  }
  return { statements, totalMs: performance.now() - started };
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

// ---------------------------------------------------------------- 3./4. over HTTP and to PDF

interface Timed {
  label: string;
  times: number[];
  bytes: number;
  error: string | null;
}

async function timeRuns(label: string, runs: number, fn: () => Promise<{ status: number; body: string }>, expect = 200): Promise<Timed & { last: string }> {
  const out: Timed & { last: string } = { label, times: [], bytes: 0, error: null, last: '' };
  for (let i = 1; i <= runs; i += 1) {
    const s = performance.now();
    const res = await fn();
    const elapsed = performance.now() - s;
    if (res.status !== expect) {
      out.error = `${res.status} ${res.body.slice(0, 300)}`;
      log(`  ${label} run ${i}: ${res.status} — ${out.error}`);
      break;
    }
    out.times.push(elapsed);
    out.bytes = Buffer.byteLength(res.body);
    out.last = res.body;
    log(`  ${label} run ${i}${i === 1 ? ' (cold)' : ''}: ${ms(elapsed)}, ${(out.bytes / 1024).toFixed(0)} KiB`);
    await sleep(200);
  }
  return out;
}

interface PdfRun {
  lang: string;
  loadMs: number;
  pdfMs: number;
  totalMs: number;
  pages: number;
  bytes: number;
}

async function pdfRuns(port: number, token: string, pageUrl: string, runs: number): Promise<{ skipped: string | null; runs: PdfRun[]; file: string | null }> {
  if (opt['no-pdf']) return { skipped: '--no-pdf', runs: [], file: null };
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) return { skipped: `no Chromium at ${executablePath} (set CHROMIUM_PATH)`, runs: [], file: null };
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const closeBrowser = () => browser.close();
  state.closers.add(closeBrowser);
  const out: PdfRun[] = [];
  let file: string | null = null;
  try {
    // One page opened first, unmeasured: Chromium's own start (fonts, renderer) is not the report's.
    const warm = await browser.newPage();
    await warm.setContent('<p>月次報告書</p>');
    await warm.close();
    for (const lang of ['ja', 'en']) {
      for (let i = 1; i <= runs; i += 1) {
        const page = await browser.newPage();
        try {
          await page.setExtraHTTPHeaders({ authorization: `Bearer ${token}` });
          const s = performance.now();
          const res = await page.goto(`http://127.0.0.1:${port}${pageUrl}&lang=${lang}`, { waitUntil: 'load', timeout: 120_000 });
          if (res?.status() !== 200) throw new Error(`the page answered ${res?.status()}: ${(await res?.text())?.slice(0, 200)}`);
          await page.evaluate('document.fonts.ready');
          const loaded = performance.now();
          const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
          const done = performance.now();
          // Each page object of the PDF; "/Type /Pages" is the page tree, not a page.
          const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
          out.push({ lang, loadMs: loaded - s, pdfMs: done - loaded, totalMs: done - s, pages, bytes: pdf.length });
          log(`  PDF ${lang} run ${i}: load ${ms(loaded - s)} + pdf ${ms(done - loaded)} = ${ms(done - s)}, ${pages} pages, ${(pdf.length / 1024).toFixed(0)} KiB`);
          if (opt.keep && !file) fs.writeFileSync((file = path.join(os.tmpdir(), `tachiai-bench-report-${stamp}-${lang}.pdf`)), pdf);
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    state.closers.delete(closeBrowser);
    await browser.close();
  }
  return { skipped: null, runs: out, file };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  log(`Tachiai monthly report benchmark — PostgreSQL, ${os.cpus().length} CPU(s), Node ${process.version}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const secretsEnv = throwawaySecretsEnv();

  // 1. the site
  await adminQuery(adminUrl, `CREATE DATABASE ${benchDb}`);
  state.created = true;
  const config = loadConfig({ DATABASE_URL: benchUrl, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...secretsEnv });
  const db = await createDatabase({ databaseUrl: benchUrl, poolMax: 2, queryTimeoutMs: 10 * 60_000 });
  state.handles.add(db);
  const ctx = createContext({ config, db, secrets: loadSecrets(config, { persist: false }), logger: pino({ level: 'silent' }) });
  await migrateToLatest(db.knex);
  log(`migrated ${benchDb}; seeding two depositors × ${P.media} media, ${P.steps} steps each in last month`);
  const s = await seed(ctx);
  log(`seeded in ${s.secondsTaken.toFixed(1)} s: ${Object.entries(s.counts).map(([t, n]) => `${t} ${n}`).join(', ')}; month ${s.month} (${s.from.toISOString()} – ${s.to.toISOString()})`);
  const e = s.expectedA;
  log(`  depositor A: ${e.media} media, ${e.stepsInMonth} steps in the month (${Object.entries(e.byAction).map(([a, n]) => `${a} ${n}`).join(', ')})`);

  // 2. the read model in this process
  const bd = await breakdown(ctx, s);
  const slow = [...bd.statements].sort((a, b) => b.ms - a.ms);
  const explained: string[] = [];
  if (opt.explain) {
    // The statements as knex sent them ($1, $2 … placeholders), on a client of their own.
    const client = new pg.Client({ connectionString: benchUrl });
    await client.connect();
    try {
      for (const st of slow.filter((x) => x.ms >= P.explainMs)) {
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${st.sql}`, st.bindings);
        explained.push(`-- ${ms(st.ms)}: ${oneLine(st.sql).slice(0, 200)}\n${rows.map((r) => (r['QUERY PLAN'].length > 240 ? `${r['QUERY PLAN'].slice(0, 240)}…` : r['QUERY PLAN'])).join('\n')}`);
      }
    } finally {
      await client.end();
    }
  }
  await db.close();
  state.handles.delete(db);

  // 3. the server
  const server = await startServerProcess({ env: { ...secretsEnv, DATABASE_URL: benchUrl, DATA_DIR: dataDir }, log });
  state.server = server;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const login = await httpRequest(agent, server.port, 'POST', '/api/auth/login', { body: { username: s.responsible.username, password: s.responsible.password } });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${login.body}`);
  const token = (JSON.parse(login.body) as { token: string }).token;
  await sleep(1000);
  server.rss.phase();
  const startKb = server.rss.lastKb;
  log(`server pid ${server.child.pid}, RSS ${mb(startKb)}`);
  const get = (p: string) => () => httpRequest(agent, server.port, 'GET', p, { token, timeoutMs: 120_000 });
  const q = `depositorOrgId=${s.depositorA.id}&month=${s.month}`;

  log('draft (JSON): GET /api/monthly-reports/draft');
  const draft = await timeRuns('draft JSON', P.runs, get(`/api/monthly-reports/draft?${q}`));
  log('draft page (format=html)');
  const draftPage = await timeRuns('draft page', P.runs, get(`/api/monthly-reports/draft?${q}&format=html&lang=ja`));
  const draftPeakKb = server.rss.phase();

  log('signing: POST /api/monthly-reports (badge + PIN of the responsible person)');
  const signer = { personId: s.responsible.id, badge: s.responsible.badge, pin: s.responsible.pin };
  const sign = await timeRuns('signing', 1, () => httpRequest(agent, server.port, 'POST', '/api/monthly-reports', { token, body: { depositorOrgId: s.depositorA.id, month: s.month, signer }, timeoutMs: 120_000 }), 201);
  if (sign.error) throw new Error(`signing failed: ${sign.error}`);
  const signed = JSON.parse(sign.last) as { id: string; reportNo: string; pageUrl: string; content: ReportContent };
  const print = await timeRuns('print recorded', 1, () => httpRequest(agent, server.port, 'POST', `/api/monthly-reports/${signed.id}/prints`, { token, body: { present: signer }, timeoutMs: 60_000 }), 201);
  if (print.error) throw new Error(`recording the print failed: ${print.error}`);
  const printUrl = (JSON.parse(print.last) as { pageUrl: string }).pageUrl;
  log(`signed ${signed.reportNo}; print 1 recorded: ${printUrl}`);
  const pageJa = await timeRuns('page ja', P.runs, get(`${printUrl}&lang=ja`));
  const pageEn = await timeRuns('page en', P.runs, get(`${printUrl}&lang=en`));
  const pagePeakKb = server.rss.phase();

  // What the report holds: the depositor's media and steps, nothing of the other depositor.
  const content: ReportContent | null = draft.last ? (JSON.parse(draft.last) as ReportContent) : null;
  const checks: string[][] = [];
  const check = (what: string, expected: string, got: string) => checks.push([what, expected, got, expected === got ? 'ok' : 'DIFFERS']);
  if (content) {
    const goneSum = Object.values(content.holdings.gone).reduce((t, n) => t + n, 0);
    const evKinds: Record<string, number> = {};
    for (const ev of content.events) evKinds[ev.kind] = (evKinds[ev.kind] ?? 0) + 1;
    check('media of the depositor (held at the end + gone)', String(e.media), String(content.holdings.media.length + goneSum));
    check('media held at the month\'s end', String(e.held), String(content.holdings.media.length));
    check('gone (destroyed, returned)', JSON.stringify(e.gone, Object.keys(e.gone).sort()), JSON.stringify(content.holdings.gone, Object.keys(content.holdings.gone).sort()));
    check('custody steps in the month (counts.steps)', String(e.stepsInMonth), String(content.counts.steps));
    for (const [action, n] of Object.entries(e.byAction).sort()) check(`  ${action}`, String(n), String(content.counts[action] ?? 0));
    for (const [kind, n] of Object.entries(e.events)) check(`events: ${kind}`, String(n), String(evKinds[kind] ?? 0));
    check('destruction events with a certificate number', String(e.events.destruction), String(content.events.filter((x) => x.kind === 'destruction' && x.certificateNo).length));
    check('inspections', String(e.inspections), String(content.inspections.length));
    check('labels of the other depositor (MB-…) in the content', '0', String((draft.last.match(/MB-\d{5}/g) ?? []).length));
    check('distinct labels on the printed page (ja)', String(e.media), String(new Set(pageJa.last.match(/MA-\d{5}/g) ?? []).size));
    check('labels of the other depositor on the page', '0', String((pageJa.last.match(/MB-\d{5}/g) ?? []).length));
    check('signed content: custody steps', String(e.stepsInMonth), String(signed.content?.counts?.steps ?? 'n/a'));
  }

  // 4. to PDF
  log('PDF (Chromium, page.pdf A4) of the recorded print');
  const pdf = await pdfRuns(server.port, token, printUrl, P.pdfRuns);
  const pdfPeakKb = server.rss.phase();
  const mem = readMemory(server.child.pid!);
  server.rss.stop();
  agent.destroy();
  await server.stop();
  state.server = null;

  // 5. figures
  const row = (t: Timed) => {
    const st = stats(t.times);
    const warm = stats(t.times.slice(1));
    return [t.label, String(t.times.length), ms(t.times[0] ?? NaN), ms(warm.p50), ms(st.p95), ms(st.max), `${(t.bytes / 1024).toFixed(0)} KiB`, t.error ?? ''];
  };
  console.log('');
  console.log(`Monthly report of ${s.depositorA.name}, ${s.month}: ${e.media} media, ${e.stepsInMonth} custody steps in the month (and as many of ${s.depositorB.name}, which must not appear)`);
  console.log(table(['request', 'runs', 'first (cold)', 'p50 warm', 'p95', 'max', 'size', 'error'], [row(draft), row(draftPage), row(sign), row(print), row(pageJa), row(pageEn)]));
  console.log('');
  console.log('What the report holds (the draft\'s JSON, the printed page) against what was seeded:');
  console.log(table(['', 'seeded', 'in the report', ''], checks));
  console.log('');
  console.log(`The read model in this process (monthFacts, warm, ${ms(bd.totalMs)} in all), slowest statements:`);
  console.log(table(['time', 'rows', 'statement'], slow.slice(0, 6).map((x) => [ms(x.ms), String(x.rows), oneLine(x.sql).slice(0, 110)])));
  for (const x of explained) console.log(`\n${x}`);
  if (pdf.skipped) console.log(`\nPDF: skipped — ${pdf.skipped}`);
  else {
    console.log('');
    console.log('PDF (Chromium headless, page.goto until load and fonts ready, then page.pdf A4):');
    console.log(table(['lang', 'load', 'pdf()', 'total', 'pages', 'size'], pdf.runs.map((r) => [r.lang, ms(r.loadMs), ms(r.pdfMs), ms(r.totalMs), String(r.pages), `${(r.bytes / 1024).toFixed(0)} KiB`])));
    if (pdf.file) console.log(`  kept: ${pdf.file}`);
  }
  console.log('');
  console.log(`Server RSS: ${mb(startKb)} after sign-in, peak ${mb(draftPeakKb)} during the drafts, ${mb(pagePeakKb)} during signing and pages, ${mb(pdfPeakKb)} during the PDFs (sampled every 200 ms); VmHWM ${mb(mem?.hwmKb ?? NaN)}`);
  console.log(`Load average (1/5/15 min) at start ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);
  console.log('');
  const verdict = (times: number[], failed: boolean) => (failed || times.length === 0 ? 'n/a' : Math.max(...times) <= TARGET_MS ? 'PASS' : 'MISS');
  const pageTimes = [...pageJa.times, ...pageEn.times];
  const pdfTimes = pdf.runs.map((r) => r.totalMs);
  const describe = (times: number[]) => (times.length ? `first ${ms(times[0]!)}, p50 ${ms(stats(times).p50)}, max ${ms(Math.max(...times))}` : 'not measured');
  console.log(
    table(
      ['target', 'goal', 'measured', 'result'],
      [
        ['draft (GET …/draft, JSON)', `≤ ${TARGET_MS / 1000} s`, describe(draft.times), verdict(draft.times, !!draft.error)],
        ['A4 page (GET …/page?print=1, ja + en)', `≤ ${TARGET_MS / 1000} s`, describe(pageTimes), verdict(pageTimes, !!(pageJa.error || pageEn.error))],
        ['PDF (page loaded + page.pdf, ja + en)', `≤ ${TARGET_MS / 1000} s`, pdf.skipped ? `skipped: ${pdf.skipped}` : describe(pdfTimes), verdict(pdfTimes, !!pdf.skipped)],
        ['signing (POST, once)', 'information', ms(sign.times[0] ?? NaN), 'n/a'],
        ['server RSS (peak sampled, VmHWM)', 'information', mb(Math.max(draftPeakKb, pagePeakKb, pdfPeakKb, mem?.hwmKb ?? 0)), 'n/a'],
      ],
    ),
  );
  if (checks.some((c) => c[3] !== 'ok')) console.log('\nThe report does not hold what was seeded (see above): the figures may not measure the real thing.');
}

await runBenchmark(main, cleanUp, log);
