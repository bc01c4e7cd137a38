// Seeding for the weekly-review benchmark (`npm run bench:review`): a site that has been running
// for a year, in bulk (INSERT … SELECT generate_series on one session), with the rows the
// services would have written — and, in the reviewed week, a sprinkling of planted anomalies so
// that the findings are not trivial.
//
//   - people in four organisations (contractor, subcontractor with the depositor's consent,
//     depositor, visitors), a live badge each (tokens computed with the server's badge key, as
//     issueBadge does), some revoked or expired badges; secure rooms with opening hours, a
//     machine room open day and night, a media store; access lists;
//   - accounts for some people, by role: the responsible person who runs the review (the one the
//     benchmark signs in as), another responsible person, administrators, authorised persons,
//     guards, auditors, staff, and two staff who left during the week;
//   - past entries over the year before the reviewed week and the days since, and the reviewed
//     week's entries: granted in/out pairs laid out on a grid (nobody is in two rooms at once,
//     stays within the rooms' hours), about 1 % denied with various reasons, unknown badge values;
//   - the access log of the last 90 days: three sign-ins a weekday per account (an occasional
//     typo before), each account from one of a few addresses per day, ordinary API traffic by
//     role (guards scan day and night; the others work in the daytime; media records only by
//     responsible and authorised persons), static files and health checks;
//   - the journal as a valid hash chain, in time order: the site's set-up a year ago (people,
//     badges, access lists, accounts), one door.scan entry per entry (door.manual_exit for a
//     manual exit), one auth.login per successful sign-in, badge revocations, and the week's
//     administrative changes. The hashes are computed here with the journal's own functions, so
//     `tachiai verify` passes on the seeded database.
//
// Planted in the reviewed week (see plantEntries / plantAccessLog): probing bursts, an unknown
// badge burst, cloned badges (two rooms within minutes), one person in two rooms, stays past
// closing, stays over 12 hours (one still inside), manual exits, exits holding media; failed
// sign-in bursts, a lockout, sign-ins from new addresses, one account from two addresses, sign-ins
// outside working hours, 403s, media reads by staff and an auditor, use of accounts after leaving.
import crypto from 'node:crypto';
import pg from 'pg';
import type { AppContext } from '../../server/context.js';
import { policyPassword } from './lib.js';
import { hashSecret } from '../../server/shared/secret-hash.js';
import { badgeTokenFor, newBadgeNonce, tokenDigest } from '../../server/badges/tokens.js';
import { canonicalJson } from '../../server/journal/canonical.js';
import { entryHashOfCanonical, GENESIS_HASH, MAIN_CHAIN } from '../../server/journal/journal.js';
import { isoWeekOf, siteInstant, weekPeriod } from '../../server/reviews/period.js';
import { zonedParts } from '../../server/shared/time.js';

export interface ReviewSeedOptions {
  people: number;
  rooms: number;
  accounts: number;
  /** All past entries, the reviewed week's included. */
  entries: number;
  weekEntries: number;
  /** All access-log rows (last 90 days), the reviewed week's included. */
  accessLog: number;
  weekAccessLog: number;
  /** Share of scans denied (scattered over people, reasons and rooms). */
  deniedShare: number;
  /** One journal entry per entry (door.scan), as the door writes them; false: only the rest. */
  scanJournal: boolean;
}

export interface ReviewSeeded {
  week: string;
  from: Date;
  to: Date;
  reviewer: { username: string; password: string; personId: string; accountId: string; name: string };
  /** What was planted in the week, by the kind of finding it should give. */
  planted: Array<[string, string]>;
  counts: Record<string, number>;
}

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;

/** Anomaly actors: people kept out of the week's ordinary traffic so their planted stays are exactly as written. */
const ANOMALY_PEOPLE = 40;

type Group = 'responsible' | 'admin' | 'authorized' | 'guard' | 'auditor' | 'staff';

/** Account holders by number (1-based): who does what. The rest are staff. */
function groupOf(n: number): Group {
  if (n <= 2) return 'responsible';
  if (n <= 4) return 'admin';
  if (n <= 14) return 'authorized';
  if (n <= 24) return 'guard';
  if (n <= 27) return 'auditor';
  return 'staff';
}
/** Staff accounts used by the planted anomalies: 28 + offset. */
const STAFF0 = 28;

const randomPassword = policyPassword;

/** The address an account uses on a day (the same formula as the SQL below): one of 1–3 desks; guards always the same one. */
function addressOf(n: number, nAddr: number, dayNo: number): string {
  return `10.${20 + ((n * 7 + dayNo) % nAddr)}.${Math.floor(n / 250)}.${1 + (n % 250)}`;
}
const ADDRESS_SQL = (a: string, dayNo: string) => `'10.' || (20 + (${a}.n * 7 + ${dayNo}) % ${a}.n_addr) || '.' || (${a}.n / 250) || '.' || (1 + ${a}.n % 250)`;

/** What each kind of account does all day (method, path, status, weight); `:id` becomes an id. */
const PATHS: Record<string, Array<[string, string, number, number]>> = {
  guard: [
    ['POST', '/api/scans', 201, 60],
    ['GET', '/api/entries', 200, 8],
    ['GET', '/api/rooms/:id/occupancy', 200, 8],
    ['GET', '/api/auth/me', 200, 4],
    ['POST', '/api/auth/refresh', 200, 4],
    ['GET', '/api/notifications', 200, 3],
    ['GET', '/api/people', 200, 3],
    ['GET', '/api/entries/live', 200, 2],
    ['GET', '/api/rooms/:id/muster', 200, 1],
  ],
  staff: [
    ['GET', '/api/auth/me', 200, 6],
    ['POST', '/api/auth/refresh', 200, 6],
    ['GET', '/api/entries', 200, 6],
    ['GET', '/api/notifications', 200, 4],
    ['GET', '/api/rooms', 200, 3],
    ['GET', '/api/config', 200, 2],
    ['GET', '/api/badges/events', 200, 1],
    ['POST', '/api/auth/password', 400, 1],
    ['POST', '/api/auth/logout', 204, 2],
  ],
  authorized: [
    ['GET', '/api/auth/me', 200, 4],
    ['POST', '/api/auth/refresh', 200, 5],
    ['GET', '/api/media', 200, 6],
    ['GET', '/api/media/:id', 200, 8],
    ['GET', '/api/media/:id/custody', 200, 2],
    ['POST', '/api/media/:id/checkout', 201, 2],
    ['POST', '/api/media/:id/checkin', 201, 2],
    ['GET', '/api/handovers', 200, 1],
    ['GET', '/api/inspections/due', 200, 1],
    ['GET', '/api/entries', 200, 3],
    ['POST', '/api/auth/logout', 204, 1],
  ],
  responsible: [
    ['GET', '/api/auth/me', 200, 4],
    ['POST', '/api/auth/refresh', 200, 5],
    ['GET', '/api/media', 200, 4],
    ['GET', '/api/media/:id', 200, 5],
    ['GET', '/api/people', 200, 3],
    ['GET', '/api/people/:id', 200, 2],
    ['GET', '/api/destructions', 200, 1],
    ['GET', '/api/reviews/status', 200, 1],
    ['GET', '/api/notifications', 200, 2],
    ['GET', '/api/entries', 200, 3],
  ],
  admin: [
    ['GET', '/api/auth/me', 200, 4],
    ['POST', '/api/auth/refresh', 200, 4],
    ['GET', '/api/people', 200, 6],
    ['GET', '/api/people/:id', 200, 4],
    ['GET', '/api/people/:id', 404, 1],
    ['GET', '/api/badges', 200, 2],
    ['GET', '/api/rooms/:id/access', 200, 2],
    ['GET', '/api/orgs', 200, 1],
    ['GET', '/api/access-log', 200, 1],
  ],
  auditor: [
    ['GET', '/api/auth/me', 200, 3],
    ['POST', '/api/auth/refresh', 200, 3],
    ['GET', '/api/journal', 200, 5],
    ['GET', '/api/access-log', 200, 4],
    ['GET', '/api/entries', 200, 4],
    ['GET', '/api/journal/verify', 200, 1],
  ],
  anon: [
    ['GET', '/api/health', 200, 5],
    ['GET', '/', 200, 2],
    ['GET', '/assets/app.js', 200, 3],
    ['GET', '/assets/style.css', 304, 3],
    ['GET', '/api/config', 200, 2],
    ['GET', '/favicon.ico', 200, 1],
  ],
};

interface DayRow {
  dayStart: Date;
  /** ISO weekday, 1 = Monday */
  dow: number;
  /** days since 1970-01-01 of the local date */
  dayNo: number;
  inWeek: boolean;
}

interface PersonRow {
  n: number;
  id: string;
  name: string;
  orgId: string;
  roles: string[];
  group: Group | 'visitor';
  leftAt: Date | null;
  store: boolean;
  weekGrid: boolean;
  pastGrid: boolean;
  badgeId: string;
  hint: string;
}

interface BadgeRow {
  id: string;
  person_id: string;
  token_nonce: string;
  token_digest: string;
  valid_from: string;
  valid_until: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
  hint: string;
  kind: 'live' | 'revoked' | 'expired';
}

interface EntryRow {
  at: string;
  room_id: string;
  badge_id: string | null;
  person_id: string | null;
  direction: 'in' | 'out';
  decision: 'granted' | 'denied';
  reason: string | null;
  hint: string | null;
  recorded_by: string | null;
  flags: string;
}

interface AccessRow {
  at: string;
  account_id: string | null;
  username: string | null;
  method: string;
  path: string;
  status: number;
  source_ip: string | null;
  duration_ms: number;
}

interface JournalEvent {
  at: string;
  actor: string;
  action: string;
  subject: string;
  payload: string;
}

const hintOf = (token: string) => `…${Array.from(token.trim()).slice(-4).join('')}`;

export async function seedReview(ctx: AppContext, databaseUrl: string, P: ReviewSeedOptions, log: (msg: string) => void): Promise<ReviewSeeded> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await seed(ctx, client, P, log);
  } finally {
    await client.end();
  }
}

async function seed(ctx: AppContext, client: pg.Client, P: ReviewSeedOptions, log: (msg: string) => void): Promise<ReviewSeeded> {
  const q = (sql: string, params: unknown[] = []) => client.query(sql, params);
  const tz = ctx.config.displayTimeZone;
  let stepStart = Date.now();
  const step = (what: string) => {
    log(`  ${what} in ${((Date.now() - stepStart) / 1000).toFixed(1)} s`);
    stepStart = Date.now();
  };
  /** Inserts objects through json_to_recordset, in batches. */
  const insertJson = async (sql: string, rows: unknown[], params: unknown[] = [], batch = 5000) => {
    for (let i = 0; i < rows.length; i += batch) await q(sql, [JSON.stringify(rows.slice(i, i + batch)), ...params]);
  };

  const superuser = (await q('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]?.rolsuper === true;
  // Foreign keys are satisfied by construction; skip their per-row triggers when allowed.
  if (superuser) await q('SET session_replication_role = replica');
  await q("SET maintenance_work_mem = '256MB'");
  await q("SET work_mem = '64MB'");

  // ---------------------------------------------------------------- the week and the days
  const now = (await q('SELECT now() AS now')).rows[0].now as Date;
  const week = isoWeekOf(new Date(now.getTime() - 7 * DAY_MS), tz);
  const { from, to } = weekPeriod(week, tz);
  const today = zonedParts(now, tz);
  const todayStart = siteInstant(today.year, today.month, today.day, tz);
  const setupAt = new Date(from.getTime() - 372 * DAY_MS);
  const days: DayRow[] = [];
  for (let k = 400; k >= 1; k -= 1) {
    const utc = new Date(Date.UTC(today.year, today.month - 1, today.day - k));
    const dayStart = siteInstant(utc.getUTCFullYear(), utc.getUTCMonth() + 1, utc.getUTCDate(), tz);
    days.push({ dayStart, dow: ((utc.getUTCDay() + 6) % 7) + 1, dayNo: Math.round(utc.getTime() / DAY_MS), inWeek: dayStart >= from && dayStart < to });
  }
  const weekDays = days.filter((d) => d.inWeek);
  if (weekDays.length !== 7) throw new Error(`expected 7 days in ${week}, found ${weekDays.length}`);
  const at = (day: number, minutes: number, seconds = 0) => new Date(weekDays[day]!.dayStart.getTime() + minutes * MIN_MS + seconds * 1000);
  const iso = (d: Date) => d.toISOString();
  log(`  reviewed week ${week}: ${iso(from)} – ${iso(to)} (${tz}); now ${iso(now)}`);

  await q('CREATE TEMP TABLE bench_days (day_start timestamptz, dow int, day_no int, in_week boolean)');
  await insertJson(
    'INSERT INTO bench_days SELECT * FROM json_to_recordset($1::json) AS d(day_start timestamptz, dow int, day_no int, in_week boolean)',
    days.map((d) => ({ day_start: iso(d.dayStart), dow: d.dow, day_no: d.dayNo, in_week: d.inWeek })),
  );
  const dayTable = async (name: string, where: string) => {
    await q(`CREATE TEMP TABLE ${name} AS SELECT (row_number() OVER (ORDER BY day_start) - 1)::int AS i, day_start, dow, day_no FROM bench_days WHERE ${where}`);
    return Number((await q(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n);
  };
  const yearStart = iso(new Date(from.getTime() - 358 * DAY_MS));
  const accessStart = iso(new Date(todayStart.getTime() - 90 * DAY_MS));
  // The week's weekdays and weekend; the past's weekdays (a year before the week, and the days since); the access log's 90 days.
  await dayTable('bench_wdays', 'in_week AND dow <= 5');
  await dayTable('bench_wend', 'in_week AND dow >= 6');
  const nPastDays = await dayTable('bench_gdays', `NOT in_week AND dow <= 5 AND day_start >= '${yearStart}'`);
  await dayTable('bench_wdays7', 'in_week');
  const nAccessDays = await dayTable('bench_adays', `NOT in_week AND day_start >= '${accessStart}'`);
  await dayTable('bench_ldays', `day_start >= '${accessStart}'`);

  // ---------------------------------------------------------------- organisations, rooms, people
  const orgs = {
    contractor: { id: crypto.randomUUID(), name: '株式会社ベンチ受託', kind: 'contractor' },
    subcontractor: { id: crypto.randomUUID(), name: 'ベンチ協力株式会社', kind: 'subcontractor' },
    depositor: { id: crypto.randomUUID(), name: 'ベンチ預託銀行', kind: 'depositor' },
    visitors: { id: crypto.randomUUID(), name: 'ベンチ保守サービス', kind: 'visitor_company' },
  };
  await insertJson(
    'INSERT INTO organisations (id, name, kind, created_at) SELECT id, name, kind, created_at FROM json_to_recordset($1::json) AS o(id uuid, name text, kind text, created_at timestamptz)',
    Object.values(orgs).map((o) => ({ ...o, created_at: iso(setupAt) })),
  );
  await q('INSERT INTO org_consents (org_id, depositor_org_id, granted_at, document_ref, created_at) VALUES ($1, $2, $3, $4, $3)', [orgs.subcontractor.id, orgs.depositor.id, iso(setupAt), 'CONSENT-2025-001']);

  // Rooms: processing rooms open on weekdays 08:00–20:00 (one 07:00–22:00 including Saturdays),
  // a machine room open day and night, a media store 09:00–18:00 that needs training.
  const nGeneral = P.rooms - 2;
  const rooms = [
    ...Array.from({ length: nGeneral }, (_, i) => ({
      id: crypto.randomUUID(),
      name: `第${i + 1}処理室`,
      kind: 'secure',
      hours_days: i === 3 ? [1, 2, 3, 4, 5, 6] : [1, 2, 3, 4, 5],
      hours_from: i === 3 ? '07:00' : '08:00',
      hours_to: i === 3 ? '22:00' : '20:00',
      requires_training: false,
      role: 'general',
    })),
    { id: crypto.randomUUID(), name: 'サーバ室', kind: 'secure', hours_days: null, hours_from: null, hours_to: null, requires_training: false, role: 'server' },
    { id: crypto.randomUUID(), name: '媒体保管庫', kind: 'secure', hours_days: [1, 2, 3, 4, 5], hours_from: '09:00', hours_to: '18:00', requires_training: true, role: 'store' },
  ];
  await insertJson(
    `INSERT INTO rooms (id, name, kind, hours_days, hours_from, hours_to, requires_training, created_at)
     SELECT id, name, kind, hours_days::smallint[], hours_from, hours_to, requires_training, $2::timestamptz FROM json_to_recordset($1::json)
         AS r(id uuid, name text, kind text, hours_days int[], hours_from text, hours_to text, requires_training boolean)`,
    rooms,
    [setupAt],
  );
  const general = rooms.filter((r) => r.role === 'general');
  const serverRoom = rooms.find((r) => r.role === 'server')!;
  const store = rooms.find((r) => r.role === 'store')!;
  await q('CREATE TEMP TABLE bench_rg (i int, id uuid)');
  await insertJson('INSERT INTO bench_rg SELECT * FROM json_to_recordset($1::json) AS r(i int, id uuid)', [...general, serverRoom].map((r, i) => ({ i, id: r.id })));

  // People: 1..accounts hold accounts (by group); then staff; the last few are visitors.
  const nVisitors = Math.max(2, Math.round(P.people * 0.02));
  const lastRegular = P.people - nVisitors;
  const anomalyFrom = lastRegular - ANOMALY_PEOPLE + 1;
  const leftAt = [at(0, 9 * 60), at(0, 9 * 60 + 20)];
  const leftAccounts = [P.accounts - 1, P.accounts];
  const people: PersonRow[] = [];
  for (let n = 1; n <= P.people; n += 1) {
    const visitor = n > lastRegular;
    const group: PersonRow['group'] = visitor ? 'visitor' : n <= P.accounts ? groupOf(n) : 'staff';
    const org = visitor ? orgs.visitors : n > P.accounts && n % 7 === 3 ? orgs.subcontractor : n > P.accounts && n % 31 === 5 ? orgs.depositor : orgs.contractor;
    const li = leftAccounts.indexOf(n);
    const anomaly = n >= anomalyFrom && n <= lastRegular;
    const names: Record<string, string> = { responsible: 'ベンチ 責任者', admin: 'ベンチ 管理者', authorized: 'ベンチ 取扱者', guard: 'ベンチ 警備員', auditor: 'ベンチ 監査人', staff: 'ベンチ 社員', visitor: 'ベンチ 来訪者' };
    people.push({
      n,
      id: crypto.randomUUID(),
      name: `${names[group]}${String(n).padStart(5, '0')}`,
      orgId: org.id,
      roles: [group],
      group,
      leftAt: li >= 0 ? leftAt[li]! : null,
      store: !visitor && (group === 'responsible' || group === 'authorized' || (n > P.accounts && n % 10 === 0)),
      weekGrid: !visitor && li < 0 && !anomaly,
      pastGrid: !visitor && li < 0,
      badgeId: '',
      hint: '',
    });
  }
  const byN = (n: number) => people[n - 1]!;
  const anomalyPeople = people.filter((p) => p.n >= anomalyFrom && p.n <= lastRegular);
  // The media-store anomaly actors (exits holding media) get store access in the week.
  for (const p of anomalyPeople.slice(30, 35)) p.store = true;
  await insertJson(
    `INSERT INTO people (id, name, org_id, roles, left_at, left_reason, created_at)
     SELECT id, name, org_id, roles, left_at, CASE WHEN left_at IS NOT NULL THEN '退職' END, created_at
       FROM json_to_recordset($1::json) AS p(id uuid, name text, org_id uuid, roles text[], left_at timestamptz, created_at timestamptz)`,
    people.map((p) => ({ id: p.id, name: p.name, org_id: p.orgId, roles: p.roles, left_at: p.leftAt ? iso(p.leftAt) : null, created_at: iso(setupAt) })),
  );
  // NDAs for everyone from outside the contractor (M6.3).
  await insertJson(
    `INSERT INTO ndas (person_id, signed_at, document_ref) SELECT person_id, signed_at, document_ref FROM json_to_recordset($1::json) AS x(person_id uuid, signed_at timestamptz, document_ref text)`,
    people.filter((p) => p.orgId !== orgs.contractor.id).map((p) => ({ person_id: p.id, signed_at: iso(setupAt), document_ref: `NDA-${p.n}` })),
  );

  // Badges: a live one each (tokens under the server's badge key); a few revoked or expired extra ones.
  const badges: BadgeRow[] = [];
  const newBadge = (p: PersonRow, kind: BadgeRow['kind'], validFrom: Date, extra: Partial<BadgeRow> = {}): BadgeRow => {
    const nonce = newBadgeNonce();
    const token = badgeTokenFor(nonce, ctx.secrets.badgeKey);
    const b: BadgeRow = { id: crypto.randomUUID(), person_id: p.id, token_nonce: nonce, token_digest: tokenDigest(token), valid_from: iso(validFrom), valid_until: null, revoked_at: null, revoked_reason: null, hint: hintOf(token), kind, ...extra };
    badges.push(b);
    return b;
  };
  for (const p of people) {
    const b = newBadge(p, 'live', setupAt, p.leftAt ? { revoked_at: iso(p.leftAt), revoked_reason: 'left' } : {});
    p.badgeId = b.id;
    p.hint = b.hint;
  }
  const regularNoAnomaly = people.filter((p) => p.weekGrid && p.n > P.accounts);
  const revokedFor = regularNoAnomaly.filter((_, i) => i % 37 === 1).slice(0, 20);
  const expiredFor = regularNoAnomaly.filter((_, i) => i % 41 === 2).slice(0, 10);
  // Lost cards: revoked some weeks before, three of them during the reviewed week.
  revokedFor.forEach((p, i) => newBadge(p, 'revoked', setupAt, { revoked_at: iso(i < 3 ? at(i, 8 * 60 + 40) : new Date(from.getTime() - (10 + i * 9) * DAY_MS)), revoked_reason: 'lost' }));
  expiredFor.forEach((p, i) => newBadge(p, 'expired', setupAt, { valid_until: iso(new Date(from.getTime() - (5 + i * 11) * DAY_MS)) }));
  await insertJson(
    `INSERT INTO badges (id, person_id, token_nonce, token_digest, valid_from, valid_until, revoked_at, revoked_reason, issued_by, created_at)
     SELECT id, person_id, token_nonce, token_digest, valid_from, valid_until, revoked_at, revoked_reason, 'cli:bench', valid_from
       FROM json_to_recordset($1::json) AS b(id uuid, person_id uuid, token_nonce text, token_digest text, valid_from timestamptz, valid_until timestamptz, revoked_at timestamptz, revoked_reason text)`,
    badges,
  );

  // Access lists: every regular person on the processing rooms and the machine room; the media
  // store for responsible and authorised persons and every tenth member of staff.
  const access: Array<{ room_id: string; person_id: string; granted_at: string }> = [];
  for (const p of people) {
    if (p.group === 'visitor' || p.leftAt) continue;
    for (const r of [...general, serverRoom]) access.push({ room_id: r.id, person_id: p.id, granted_at: iso(setupAt) });
    if (p.store) access.push({ room_id: store.id, person_id: p.id, granted_at: iso(anomalyPeople.slice(30, 35).includes(p) ? at(0, 8 * 60) : setupAt) });
  }
  await insertJson(
    `INSERT INTO room_access (room_id, person_id, granted_at, granted_by) SELECT room_id, person_id, granted_at, 'cli:bench' FROM json_to_recordset($1::json) AS a(room_id uuid, person_id uuid, granted_at timestamptz)`,
    access,
  );

  // Accounts: one password for all (a scratch database); the reviewer is account 1.
  const reviewerPerson = byN(1);
  const reviewerUsername = 'bench-responsible';
  const password = randomPassword({ username: reviewerUsername, personName: reviewerPerson.name, orgName: orgs.contractor.name });
  const passwordHash = await hashSecret(password, ctx.config.scryptCost);
  const accounts = people.slice(0, P.accounts).map((p) => ({
    n: p.n,
    id: crypto.randomUUID(),
    person_id: p.id,
    username: p.n === 1 ? reviewerUsername : `bench-${p.group}${String(p.n).padStart(4, '0')}`,
    grp: p.group as Group,
    n_addr: p.group === 'guard' ? 1 : 1 + (p.n % 3),
    left_at: p.leftAt ? iso(p.leftAt) : null,
  }));
  const acc = (n: number) => accounts[n - 1]!;
  await insertJson(
    `INSERT INTO accounts (id, person_id, username, username_key, password_hash, password_changed_at, created_at)
     SELECT id, person_id, username, lower(username), $2::text, now() - interval '20 days', $3::timestamptz FROM json_to_recordset($1::json) AS a(id uuid, person_id uuid, username text)`,
    accounts,
    [passwordHash, setupAt],
  );
  await q('INSERT INTO password_history (account_id, password_hash, created_at) SELECT id, password_hash, created_at FROM accounts');
  await q('CREATE TEMP TABLE bench_acc (n int, id uuid, username text, grp text, n_addr int, left_at timestamptz)');
  await insertJson('INSERT INTO bench_acc SELECT n, id, username, grp, n_addr, left_at FROM json_to_recordset($1::json) AS a(n int, id uuid, username text, grp text, n_addr int, left_at timestamptz)', accounts);
  // Who makes the ordinary traffic: guards (day and night) and the others (daytime); not those who left.
  await q(`CREATE TEMP TABLE bench_acc_pick AS
             SELECT CASE WHEN grp = 'guard' THEN 'guard' ELSE 'other' END AS cls,
                    (row_number() OVER (PARTITION BY grp = 'guard' ORDER BY n) - 1)::int AS i, n, id, username, grp, n_addr
               FROM bench_acc WHERE left_at IS NULL`);
  const pickCounts = Object.fromEntries(((await q('SELECT cls, count(*)::int AS n FROM bench_acc_pick GROUP BY cls')).rows as Array<{ cls: string; n: number }>).map((r) => [r.cls, r.n]));
  await q('CREATE TEMP TABLE bench_paths (grp text, i int, method text, path text, status int)');
  await insertJson(
    'INSERT INTO bench_paths SELECT * FROM json_to_recordset($1::json) AS p(grp text, i int, method text, path text, status int)',
    Object.entries(PATHS).flatMap(([grp, list]) => list.flatMap(([method, path, status, weight]) => Array.from({ length: weight }, () => ({ grp, method, path, status })))).map((r, _, all) => ({ ...r, i: all.filter((x) => x.grp === r.grp).indexOf(r) })),
  );
  await q('CREATE TEMP TABLE bench_pathn AS SELECT grp, count(*)::int AS n FROM bench_paths GROUP BY grp');
  const guards = accounts.filter((a) => a.grp === 'guard');
  step(`${P.people} people (${nVisitors} visitors), ${badges.length} badges, ${rooms.length} rooms, ${access.length} access-list rows, ${accounts.length} accounts`);

  // People tables for the grids (0-based i).
  await q('CREATE TEMP TABLE bench_people (n int, id uuid, badge_id uuid, hint text, store boolean, week_grid boolean, past_grid boolean)');
  await insertJson(
    'INSERT INTO bench_people SELECT * FROM json_to_recordset($1::json) AS p(n int, id uuid, badge_id uuid, hint text, store boolean, week_grid boolean, past_grid boolean)',
    people.map((p) => ({ n: p.n, id: p.id, badge_id: p.badgeId, hint: p.hint, store: p.store, week_grid: p.weekGrid, past_grid: p.pastGrid })),
  );
  const grid = async (name: string, where: string) => {
    await q(`CREATE TEMP TABLE ${name} AS SELECT (row_number() OVER (ORDER BY n) - 1)::int AS i, id, badge_id, hint, store FROM bench_people WHERE ${where}`);
    return Number((await q(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n);
  };
  const nWeekGrid = await grid('bench_gp', 'week_grid');
  const nNoStore = await grid('bench_gp_ns', 'week_grid AND NOT store');
  const nPastGrid = await grid('bench_pp', 'past_grid');
  await q('CREATE TEMP TABLE bench_xb (i int, kind text, badge_id uuid, person_id uuid, hint text)');
  await insertJson(
    `INSERT INTO bench_xb SELECT (row_number() OVER (PARTITION BY x.kind ORDER BY x.id) - 1)::int, x.kind, x.id, x.person_id, x.hint
       FROM json_to_recordset($1::json) AS x(id uuid, person_id uuid, hint text, kind text)`,
    badges.filter((b) => b.kind !== 'live'),
  );

  // ---------------------------------------------------------------- entries
  await q(`CREATE TEMP TABLE bench_e (at timestamptz, room_id uuid, badge_id uuid, person_id uuid, direction text, decision text,
                                      reason text, hint text, recorded_by uuid, flags text[])`);
  const guardIds = `ARRAY[${guards.slice(0, 3).map((g) => `'${g.id}'::uuid`).join(', ')}]`;
  const nGuardIds = Math.min(3, guards.length);
  const nRg = nGeneral + 1;
  const planted = plantEntries({ anomalyPeople, general, serverRoom, store, at, guard: guards[0]!.id });
  const weekDenied = Math.round(P.weekEntries * P.deniedShare);
  let weekendPairs = Math.round((P.weekEntries * 0.01) / 2);
  const nWeekend = Math.ceil(nWeekGrid / 20);
  weekendPairs = Math.min(weekendPairs, nWeekend * 2 * 32);
  const weekPairs = Math.min(nWeekGrid * 5 * 600, Math.floor((P.weekEntries - planted.entries.length - weekDenied - 2 * weekendPairs) / 2));
  if (weekPairs < 0) throw new Error(`--week-entries ${P.weekEntries} is too small for the planted anomalies`);
  const weekDeniedAll = P.weekEntries - planted.entries.length - 2 * weekendPairs - 2 * weekPairs;
  const slotsPerDay = Math.min(600, Math.max(1, Math.ceil(weekPairs / (nWeekGrid * 5))));
  const slot = 660 / slotsPerDay;
  const weekendSlot = 1440 / Math.max(1, Math.ceil(weekendPairs / (nWeekend * 2)));

  /** Granted in/out pairs on a grid: person i, day d, slot j — nobody in two places at once, within the rooms' hours. */
  const gridPairs = async (o: { pairs: number; people: string; nPeople: number; days: string; nDays: number; slotMin: number; startMin: number; storeRule: boolean }) => {
    if (o.pairs <= 0) return;
    await q(
      `WITH g AS (
         SELECT s, (s % $2::int)::int AS pi, ((s / $2::int) % $3::int)::int AS di, (s / ($2::bigint * $3::int))::int AS j, random() AS r1, random() AS r2
           FROM generate_series(0::bigint, $1::bigint - 1) AS s OFFSET 0
       ),
       v AS (
         SELECT p.id AS person_id, p.badge_id, p.hint,
                CASE WHEN $6::boolean AND p.store AND g.j % 3 = 1 AND $5::float8 + g.j * $4::float8 >= 555 AND $5::float8 + (g.j + 1) * $4::float8 <= 1075
                     THEN $7::uuid ELSE rg.id END AS room_id,
                date_trunc('milliseconds', d.day_start + make_interval(secs => ($5::float8 + (g.j + g.r1 * 0.25) * $4::float8) * 60)) AS t_in,
                (0.1 + g.r2 * 0.6) * $4::float8 AS dur, g.s
           FROM g JOIN ${o.people} p ON p.i = g.pi JOIN ${o.days} d ON d.i = g.di JOIN bench_rg rg ON rg.i = (g.pi + g.j) % ${nRg}
       )
       INSERT INTO bench_e (at, room_id, badge_id, person_id, direction, decision, reason, hint, recorded_by, flags)
       SELECT CASE x.dir WHEN 'in' THEN v.t_in ELSE date_trunc('milliseconds', v.t_in + make_interval(secs => v.dur * 60)) END,
              v.room_id, v.badge_id, v.person_id, x.dir, 'granted', NULL, v.hint, (${guardIds})[(1 + v.s % ${nGuardIds})::int], '{}'
         FROM v CROSS JOIN (VALUES ('in'), ('out')) AS x(dir)`,
      [o.pairs, o.nPeople, o.nDays, o.slotMin, o.startMin, o.storeRule, store.id],
    );
  };
  // The week: weekdays 08:30–19:30 on the grid; weekends in the machine room (every 20th person).
  await gridPairs({ pairs: weekPairs, people: 'bench_gp', nPeople: nWeekGrid, days: 'bench_wdays', nDays: 5, slotMin: slot, startMin: 510, storeRule: true });
  if (weekendPairs > 0) {
    await q(
      `WITH g AS (
         SELECT s, ((s % $2::int) * 20)::int AS pi, ((s / $2::int) % 2)::int AS di, (s / ($2::bigint * 2))::int AS j, random() AS r1, random() AS r2
           FROM generate_series(0::bigint, $1::bigint - 1) AS s OFFSET 0
       ),
       v AS (
         SELECT p.id AS person_id, p.badge_id, p.hint, g.s,
                date_trunc('milliseconds', d.day_start + make_interval(secs => (g.j + g.r1 * 0.2) * $4::float8 * 60)) AS t_in,
                1 + g.r2 * least(20, $4::float8 * 0.6) AS dur
           FROM g JOIN bench_gp p ON p.i = g.pi JOIN bench_wend d ON d.i = g.di
       )
       INSERT INTO bench_e (at, room_id, badge_id, person_id, direction, decision, reason, hint, recorded_by, flags)
       SELECT CASE x.dir WHEN 'in' THEN v.t_in ELSE date_trunc('milliseconds', v.t_in + make_interval(secs => v.dur * 60)) END,
              $3::uuid, v.badge_id, v.person_id, x.dir, 'granted', NULL, v.hint, (${guardIds})[(1 + v.s % ${nGuardIds})::int], '{}'
         FROM v CROSS JOIN (VALUES ('in'), ('out')) AS x(dir)`,
      [weekendPairs, nWeekend, serverRoom.id, weekendSlot],
    );
  }
  /** Denied scans scattered over people, days and reasons (k % 20 picks the reason). */
  const scatteredDenials = async (count: number, days: string, nDays: number, people: string, nPeople: number) => {
    if (count <= 0) return;
    await q(
      `WITH g AS (
         SELECT k, k % 20 AS c, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5 FROM generate_series(1, $1::int) AS k OFFSET 0
       ),
       v AS (
         SELECT g.*, d.day_start,
                CASE WHEN g.c <= 5 THEN 'already_inside' WHEN g.c <= 7 THEN 'not_inside' WHEN g.c <= 11 THEN 'outside_hours'
                     WHEN g.c <= 14 THEN 'not_on_access_list' WHEN g.c = 15 THEN 'badge_revoked' WHEN g.c = 16 THEN 'badge_expired'
                     WHEN g.c <= 18 THEN 'unknown_badge' ELSE 'training_missing' END AS reason
           FROM g JOIN ${days} d ON d.i = floor(g.r2 * $2::int)::int
       )
       INSERT INTO bench_e (at, room_id, badge_id, person_id, direction, decision, reason, hint, recorded_by, flags)
       SELECT date_trunc('milliseconds', v.day_start + make_interval(secs => 60 * CASE
                WHEN v.reason = 'outside_hours' THEN CASE WHEN v.r3 < 0.5 THEN 450 + v.r4 * 29 ELSE 1200 + v.r4 * 30 END
                WHEN v.reason IN ('not_on_access_list', 'training_missing') THEN 560 + v.r4 * 480
                ELSE 510 + v.r4 * 660 END)),
              CASE WHEN v.reason IN ('not_on_access_list', 'training_missing') THEN $5::uuid ELSE rg.id END,
              CASE v.reason WHEN 'unknown_badge' THEN NULL WHEN 'badge_revoked' THEN xr.badge_id WHEN 'badge_expired' THEN xe.badge_id
                            WHEN 'not_on_access_list' THEN ns.badge_id ELSE p.badge_id END,
              CASE v.reason WHEN 'unknown_badge' THEN NULL WHEN 'badge_revoked' THEN xr.person_id WHEN 'badge_expired' THEN xe.person_id
                            WHEN 'not_on_access_list' THEN ns.id ELSE p.id END,
              CASE v.reason WHEN 'not_inside' THEN 'out' ELSE 'in' END, 'denied', v.reason,
              CASE v.reason WHEN 'unknown_badge' THEN '…' || substr(md5('lost-card-' || floor(v.r5 * 30)::int), 1, 4) WHEN 'badge_revoked' THEN xr.hint
                            WHEN 'badge_expired' THEN xe.hint WHEN 'not_on_access_list' THEN ns.hint ELSE p.hint END,
              (${guardIds})[(1 + v.k % ${nGuardIds})::int], '{}'
         FROM v
         JOIN ${people} p ON p.i = floor(v.r1 * $3::int)::int
         JOIN bench_rg rg ON rg.i = floor(v.r5 * ${nRg})::int
         LEFT JOIN bench_gp_ns ns ON ns.i = floor(v.r1 * $4::int)::int
         LEFT JOIN bench_xb xr ON xr.kind = 'revoked' AND xr.i = floor(v.r1 * ${revokedFor.length})::int
         LEFT JOIN bench_xb xe ON xe.kind = 'expired' AND xe.i = floor(v.r1 * ${expiredFor.length})::int`,
      [count, nDays, nPeople, nNoStore, store.id],
    );
  };
  await scatteredDenials(weekDeniedAll, 'bench_wdays', 5, 'bench_gp', nWeekGrid);
  await insertJson(
    `INSERT INTO bench_e SELECT at, room_id, badge_id, person_id, direction, decision, reason, hint, recorded_by, string_to_array(flags, ',')
       FROM json_to_recordset($1::json) AS e(at timestamptz, room_id uuid, badge_id uuid, person_id uuid, direction text, decision text, reason text, hint text, recorded_by uuid, flags text)`,
    planted.entries,
  );
  const weekCount = Number((await q('SELECT count(*)::int AS n FROM bench_e')).rows[0].n);

  // The past: the year before the week and the days since (weekdays), fewer visits a day.
  const pastEntries = Math.max(0, P.entries - weekCount);
  const pastDenied = Math.round(pastEntries * P.deniedShare);
  const pastPairs = Math.floor((pastEntries - pastDenied) / 2);
  const pastSlots = Math.min(600, Math.max(1, Math.ceil(pastPairs / (nPastGrid * nPastDays))));
  await gridPairs({ pairs: Math.min(pastPairs, nPastGrid * nPastDays * 600), people: 'bench_pp', nPeople: nPastGrid, days: 'bench_gdays', nDays: nPastDays, slotMin: 660 / pastSlots, startMin: 510, storeRule: true });
  await scatteredDenials(pastEntries - 2 * pastPairs, 'bench_gdays', nPastDays, 'bench_pp', nPastGrid);
  step(`entries staged: ${weekCount.toLocaleString('en')} in the week (${weekPairs.toLocaleString('en')} weekday pairs, ${slotsPerDay} a day each; ${weekendPairs} weekend pairs; ${weekDeniedAll} denied; ${planted.entries.length} planted), ${pastEntries.toLocaleString('en')} before and after`);

  // Into entries, in time order (as a real log grows), with the secondary indexes rebuilt after.
  const rebuild = await dropIndexes(q, ['entries', 'access_log', 'journal_entries']);
  await q(`INSERT INTO entries (at, room_id, badge_id, person_id, direction, decision, reason, presented_hint, recorded_by, flags)
           SELECT at, room_id, badge_id, person_id, direction, decision, reason, CASE WHEN decision = 'denied' OR badge_id IS NOT NULL THEN hint END, recorded_by, flags
             FROM bench_e ORDER BY at`);
  await q('DROP TABLE bench_e');
  step('entries inserted');

  // Who is inside now: the last granted entry of each person and room, when it is an entry.
  await q(`INSERT INTO presence (room_id, person_id, entered_at, entry_id)
           SELECT room_id, person_id, at, id FROM (
             SELECT DISTINCT ON (person_id, room_id) id, at, room_id, person_id, direction
               FROM entries WHERE decision = 'granted' AND person_id IS NOT NULL ORDER BY person_id, room_id, at DESC, id DESC) x
            WHERE direction = 'in'`);

  // ---------------------------------------------------------------- the access log
  await q('CREATE TEMP TABLE bench_a (at timestamptz, account_id uuid, username text, method text, path text, status int, source_ip text, duration_ms int)');
  // Sign-ins: three a weekday per account (an occasional typo before one), 08:05–18:35.
  const perDay = 3;
  const span = 630 / perDay;
  await q(
    `WITH l AS (
       SELECT a.id, a.n, a.n_addr, a.username, d.day_start, d.day_no, j, random() AS r, random() AS t
         FROM bench_acc a CROSS JOIN bench_ldays d CROSS JOIN generate_series(0, ${perDay - 1}) AS j
        WHERE d.dow <= 5 AND (a.left_at IS NULL OR d.day_start + interval '1 day' <= a.left_at)
     ),
     lt AS (
       SELECT l.*, date_trunc('milliseconds', l.day_start + make_interval(secs => (485 + (l.j + l.r * 0.8) * ${span}) * 60)) AS at, ${ADDRESS_SQL('l', 'l.day_no')} AS ip FROM l
     )
     INSERT INTO bench_a (at, account_id, username, method, path, status, source_ip, duration_ms)
     SELECT at, id, username, 'POST', '/api/auth/login', 200, ip, 90 + floor(t * 60)::int FROM lt
     UNION ALL
     SELECT at - interval '40 seconds', NULL, username, 'POST', '/api/auth/login', 401, ip, 95 FROM lt WHERE t < 0.02`,
  );
  const plantedLog = plantAccessLog({ acc, accounts, at, weekDays, leftAccounts });
  await insertJson(
    `INSERT INTO bench_a SELECT * FROM json_to_recordset($1::json) AS r(at timestamptz, account_id uuid, username text, method text, path text, status int, source_ip text, duration_ms int)`,
    plantedLog.rows,
  );
  const inWeek = async () => Number((await q('SELECT count(*)::int AS n FROM bench_a WHERE at >= $1 AND at < $2', [from, to])).rows[0].n);
  const loginsWeek = await inWeek();
  const loginsAll = Number((await q('SELECT count(*)::int AS n FROM bench_a')).rows[0].n);
  /** Ordinary requests: 5 % static files and health checks, 35 % guards (and everything at night and on weekends), the rest by the others in the daytime. */
  const ordinary = async (count: number, days: string, nDays: number) => {
    if (count <= 0) return;
    await q(
      `WITH g AS (
         SELECT k, random() AS r0, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5 FROM generate_series(1, $1::int) AS k OFFSET 0
       ),
       c AS (
         SELECT g.*, d.day_start, d.day_no, CASE WHEN g.r0 < 0.05 THEN 'anon' WHEN g.r0 < 0.40 OR d.dow >= 6 THEN 'guard' ELSE 'other' END AS cls
           FROM g JOIN ${days} d ON d.i = floor(g.r1 * $2::int)::int
       )
       INSERT INTO bench_a (at, account_id, username, method, path, status, source_ip, duration_ms)
       SELECT date_trunc('milliseconds', c.day_start + make_interval(secs => CASE WHEN c.cls = 'other' THEN 27000 + c.r2 * 48600 ELSE c.r2 * 86399 END)),
              a.id, a.username, pa.method, replace(pa.path, ':id', md5(c.k::text)::uuid::text), pa.status,
              CASE WHEN a.id IS NULL THEN '10.9.' || (c.k % 7) || '.' || (1 + c.k % 200) ELSE ${ADDRESS_SQL('a', 'c.day_no')} END,
              1 + floor(c.r5 * c.r5 * c.r5 * 300)::int
         FROM c
         LEFT JOIN bench_acc_pick a ON a.cls = c.cls AND a.i = floor(c.r3 * CASE c.cls WHEN 'guard' THEN $3::int ELSE $4::int END)::int
         JOIN bench_pathn pn ON pn.grp = coalesce(a.grp, 'anon')
         JOIN bench_paths pa ON pa.grp = pn.grp AND pa.i = floor(c.r4 * pn.n)::int`,
      [count, nDays, pickCounts.guard ?? 1, pickCounts.other ?? 1],
    );
  };
  await ordinary(P.weekAccessLog - loginsWeek, 'bench_wdays7', 7);
  await ordinary(P.accessLog - P.weekAccessLog - (loginsAll - loginsWeek), 'bench_adays', nAccessDays);
  const accessWeek = await inWeek();
  step(`access log staged: ${loginsAll.toLocaleString('en')} sign-ins and planted rows (${loginsWeek.toLocaleString('en')} in the week), ${accessWeek.toLocaleString('en')} rows in the week`);
  await q(`INSERT INTO access_log (at, account_id, username, method, path, status, source_ip, duration_ms)
           SELECT at, account_id, username, method, path, status, source_ip, duration_ms FROM bench_a ORDER BY at`);
  await q('DROP TABLE bench_a');
  step('access log inserted');

  // ---------------------------------------------------------------- the journal
  const admin = acc(3);
  const events: JournalEvent[] = [];
  const ev = (when: Date, actor: string, action: string, subject: string, payload: Record<string, unknown>) => events.push({ at: iso(when), actor, action, subject, payload: canonicalJson(payload) });
  // The site's set-up, a year before the week.
  let t = setupAt.getTime();
  const tick = () => new Date((t += 250));
  for (const o of Object.values(orgs)) ev(tick(), 'cli:bench', 'orgs.created', `org:${o.id}`, { name: o.name, kind: o.kind });
  ev(tick(), 'cli:bench', 'orgs.consent_recorded', `org:${orgs.subcontractor.id}`, { depositorOrgId: orgs.depositor.id, documentRef: 'CONSENT-2025-001' });
  for (const r of rooms) ev(tick(), 'cli:bench', 'rooms.created', `room:${r.id}`, { name: r.name, kind: r.kind });
  for (const p of people) ev(tick(), 'cli:bench', 'people.created', `person:${p.id}`, { name: p.name, orgId: p.orgId, roles: p.roles });
  for (const a of accounts) ev(tick(), 'cli:bench', 'auth.account_created', `account:${a.id}`, { personId: a.person_id, username: a.username });
  for (const b of badges) ev(tick(), 'cli:bench', 'badges.issued', `badge:${b.id}`, { personId: b.person_id });
  for (const a of access) if (a.granted_at === iso(setupAt)) ev(tick(), 'cli:bench', 'rooms.access_granted', `room:${a.room_id}`, { personId: a.person_id });
  // Lost cards revoked (three in the week), the leavers, the week's other changes.
  for (const b of badges) if (b.kind === 'revoked') ev(new Date(b.revoked_at!), admin.id, 'badges.revoked', `badge:${b.id}`, { personId: b.person_id, reason: 'lost' });
  leftAccounts.forEach((n, i) => {
    const p = byN(n);
    ev(leftAt[i]!, admin.id, 'people.left', `person:${p.id}`, { reason: '退職' });
    ev(new Date(leftAt[i]!.getTime() + 1000), admin.id, 'badges.revoked', `badge:${p.badgeId}`, { personId: p.id, reason: 'left' });
    for (const r of [...general, serverRoom]) ev(new Date(leftAt[i]!.getTime() + 2000), admin.id, 'rooms.access_revoked', `room:${r.id}`, { personId: p.id });
  });
  for (const p of anomalyPeople.slice(30, 35)) ev(at(0, 8 * 60), admin.id, 'rooms.access_granted', `room:${store.id}`, { personId: p.id });
  ev(at(1, 9 * 60 + 30), admin.id, 'people.roles_changed', `person:${byN(6).id}`, { added: ['authorized'], removed: ['staff'], note: '異動' });
  ev(plantedLog.lockedAt, 'system:auth', 'auth.account_locked', `account:${acc(STAFF0 + 3).id}`, { failures: 5, lockMinutes: 15, lastFailure: 'password' });
  ev(at(3, 11 * 60), admin.id, 'orgs.consent_recorded', `org:${orgs.subcontractor.id}`, { depositorOrgId: orgs.depositor.id, documentRef: 'CONSENT-2026-014' });
  ev(at(4, 17 * 60), admin.id, 'rooms.updated', `room:${store.id}`, { hours: { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' } });
  const adminEventsInWeek = events.filter((e) => e.at >= iso(from) && e.at < iso(to)).length;

  await q('CREATE TEMP TABLE bench_j (at timestamptz, ord int, src bigint, actor text, action text, subject text, payload text)');
  await insertJson(
    `INSERT INTO bench_j SELECT at, 0, row_number() OVER (), actor, action, subject, payload FROM json_to_recordset($1::json) AS e(at timestamptz, actor text, action text, subject text, payload text)`,
    events,
  );
  // Sign-ins (auth.login, 25 ms after the request began), and the door: door.scan per scan (its payload as scanJournalPayload writes it), door.manual_exit.
  const utcIso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const str = (col: string) => `coalesce('"' || ${col} || '"', 'null')`;
  await q(`INSERT INTO bench_j
           SELECT l.at + interval '25 milliseconds', 1, l.id, l.account_id::text, 'auth.login', 'session:' || gen_random_uuid(),
                  '{"accountId":"' || l.account_id || '","passwordExpired":false,"secondFactor":' || (a.grp = 'admin') || ',"sourceIp":' || ${str('l.source_ip')} || ',"username":"' || l.username || '"}'
             FROM access_log l JOIN bench_acc a ON a.id = l.account_id
            WHERE l.path = '/api/auth/login' AND l.method = 'POST' AND l.status = 200`);
  await q(`INSERT INTO bench_j
           SELECT e.at, 2, e.id, coalesce(e.recorded_by::text, 'system:door'),
                  CASE WHEN 'manual_exit' = ANY (e.flags) THEN 'door.manual_exit' ELSE 'door.scan' END, 'entry:' || e.id,
                  CASE WHEN 'manual_exit' = ANY (e.flags)
                       THEN '{"at":"' || ${utcIso('e.at')} || '","note":"読み取りなしで退室（警備員が記録）","personId":' || ${str('e.person_id')} || ',"roomId":"' || e.room_id || '"}'
                       ELSE '{"at":"' || ${utcIso('e.at')} || '","badgeId":' || ${str('e.badge_id')} || ',"decision":"' || e.decision || '","direction":"' || e.direction ||
                            '","personId":' || ${str('e.person_id')} || ',"reason":' || ${str('e.reason')} || ',"roomId":"' || e.room_id || '"}' END
             FROM entries e ${P.scanJournal ? '' : "WHERE 'manual_exit' = ANY (e.flags)"}`);
  await q('CREATE TEMP TABLE bench_js AS SELECT row_number() OVER (ORDER BY at, ord, src) AS seq, at, actor, action, subject, payload FROM bench_j');
  await q('DROP TABLE bench_j');
  await q('ALTER TABLE bench_js ADD PRIMARY KEY (seq)');
  step('journal events staged');
  // The chain: hashes computed here with the journal's own function, in pages.
  let prevHash = GENESIS_HASH;
  let last = 0;
  let journalRows = 0;
  for (;;) {
    const { rows } = await q('SELECT seq, at, actor, action, subject, payload FROM bench_js WHERE seq > $1 ORDER BY seq LIMIT 50000', [last]);
    if (rows.length === 0) break;
    const seqs: number[] = [];
    const prevs: string[] = [];
    const hashes: string[] = [];
    for (const r of rows as Array<{ seq: string; at: Date; actor: string; action: string; subject: string; payload: string }>) {
      const seq = Number(r.seq);
      const hash = entryHashOfCanonical({ chain: MAIN_CHAIN, seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, payload: r.payload, prevHash });
      seqs.push(seq);
      prevs.push(prevHash);
      hashes.push(hash);
      prevHash = hash;
      last = seq;
    }
    await q(
      `INSERT INTO journal_entries (chain, seq, at, actor, action, subject, payload, prev_hash, hash)
       SELECT '${MAIN_CHAIN}', j.seq, j.at, j.actor, j.action, j.subject, j.payload, h.prev_hash, h.hash
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS h(seq, prev_hash, hash) JOIN bench_js j ON j.seq = h.seq ORDER BY j.seq`,
      [seqs, prevs, hashes],
    );
    journalRows += rows.length;
  }
  await q('DROP TABLE bench_js');
  step(`journal: ${journalRows.toLocaleString('en')} entries chained`);

  for (const sql of rebuild) await q(sql);
  step('secondary indexes rebuilt');
  if (superuser) await q('SET session_replication_role = DEFAULT');
  await q('VACUUM ANALYZE');
  step('VACUUM ANALYZE');

  const counts = (await q(
    `SELECT (SELECT count(*) FROM entries)::int AS entries, (SELECT count(*) FROM entries WHERE at >= $1 AND at < $2)::int AS week_entries,
            (SELECT count(*) FROM entries WHERE at >= $1 AND at < $2 AND decision = 'denied')::int AS week_denied,
            (SELECT count(*) FROM access_log)::int AS access_log, (SELECT count(*) FROM access_log WHERE at >= $1 AND at < $2)::int AS week_access_log,
            (SELECT count(*) FROM access_log WHERE at >= $1 AND at < $2 AND path = '/api/auth/login')::int AS week_signins,
            (SELECT count(*) FROM journal_entries)::int AS journal, (SELECT count(*) FROM journal_entries WHERE at >= $1 AND at < $2)::int AS week_journal,
            (SELECT count(*) FROM presence)::int AS inside_now,
            pg_database_size(current_database())::bigint AS bytes`,
    [from, to],
  )).rows[0] as Record<string, number | string>;
  return {
    week,
    from,
    to,
    reviewer: { username: reviewerUsername, password, personId: reviewerPerson.id, accountId: acc(1).id, name: reviewerPerson.name },
    planted: [...planted.what, ...plantedLog.what, ['admin_change', `${adminEventsInWeek} administrative changes in the journal (revocations, leavers, access granted and revoked, a role change, a lockout, a consent, opening hours)`]],
    counts: { ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])), admin_events_week: adminEventsInWeek },
  };
}

/** Drops the secondary indexes of the tables (not primary keys); returns the statements that rebuild them exactly. */
async function dropIndexes(q: (sql: string, params?: unknown[]) => Promise<pg.QueryResult>, tables: string[]): Promise<string[]> {
  const { rows } = await q(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = ANY ($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    [tables],
  );
  for (const ix of rows as Array<{ indexname: string }>) await q(`DROP INDEX ${JSON.stringify(ix.indexname)}`);
  return (rows as Array<{ indexdef: string }>).map((r) => r.indexdef);
}

// ---------------------------------------------------------------- planted anomalies

function plantEntries(o: {
  anomalyPeople: PersonRow[];
  general: Array<{ id: string }>;
  serverRoom: { id: string };
  store: { id: string };
  at: (day: number, minutes: number, seconds?: number) => Date;
  guard: string;
}): { entries: EntryRow[]; what: Array<[string, string]> } {
  const A = o.anomalyPeople;
  const g = (i: number) => o.general[i % o.general.length]!.id;
  const out: EntryRow[] = [];
  const e = (when: Date, room: string, p: PersonRow | null, direction: 'in' | 'out', decision: 'granted' | 'denied' = 'granted', extra: Partial<EntryRow> = {}) =>
    out.push({ at: when.toISOString(), room_id: room, badge_id: p?.badgeId ?? null, person_id: p?.id ?? null, direction, decision, reason: null, hint: p?.hint ?? null, recorded_by: o.guard, flags: '', ...extra });
  const { at } = o;
  // Probing: four denials at the media store within five minutes (A0–A4); an unknown value tried five times at night.
  for (let i = 0; i < 5; i++) for (let k = 0; k < 4; k++) e(at(1 + (i % 3), 600 + i * 37, k * 95), o.store.id, A[i]!, 'in', 'denied', { reason: 'not_on_access_list' });
  for (let k = 0; k < 5; k++) e(at(2, 22 * 60 + 10, k * 40), g(0), null, 'in', 'denied', { reason: 'unknown_badge', hint: '…dead' });
  // Cloned badges (A5–A7): in at one room, in at another two minutes later, out of both.
  for (let i = 5; i < 8; i++) {
    const t = 600 + (i - 5) * 60;
    e(at(2, t), g(0), A[i]!, 'in');
    e(at(2, t + 2), g(1), A[i]!, 'in');
    e(at(2, t + 15), g(1), A[i]!, 'out');
    e(at(2, t + 40), g(0), A[i]!, 'out');
  }
  // One person in two rooms, half an hour apart (A8–A10).
  for (let i = 8; i < 11; i++) {
    const t = 14 * 60 + (i - 8) * 5;
    e(at(3, t), g(0), A[i]!, 'in');
    e(at(3, t + 30), g(2), A[i]!, 'in');
    e(at(3, t + 50), g(2), A[i]!, 'out');
    e(at(3, t + 70), g(0), A[i]!, 'out');
  }
  // Still inside after closing (A11–A18): in at 19:45, out after 21:00.
  for (let i = 11; i < 19; i++) {
    e(at(1 + (i % 3), 19 * 60 + 45), g(i), A[i]!, 'in');
    e(at(1 + (i % 3), 21 * 60 + 5 + i * 5), g(i), A[i]!, 'out');
  }
  // Stays over 12 hours: overnight in a processing room (A19–A22), and still inside the machine room at the week's end (A23, A24).
  for (let i = 19; i < 23; i++) {
    e(at(1, 9 * 60 + (i - 19) * 7), g(1), A[i]!, 'in');
    e(at(2, 8 * 60 + 10 + (i - 19) * 3), g(1), A[i]!, 'out');
  }
  for (let i = 23; i < 25; i++) e(at(3, 10 * 60 + (i - 23) * 11), o.serverRoom.id, A[i]!, 'in');
  // Manual exits by a guard (A25–A29).
  for (let i = 25; i < 30; i++) {
    e(at(2, 13 * 60 + (i - 25) * 5), g(2), A[i]!, 'in');
    e(at(2, 16 * 60 + (i - 25) * 5), g(2), A[i]!, 'out', 'granted', { badge_id: null, hint: null, flags: 'manual_exit' });
  }
  // Leaving the media store holding media (A30–A34, on the store's list since Monday).
  for (let i = 30; i < 35; i++) {
    e(at(1, 10 * 60 + (i - 30) * 10), o.store.id, A[i]!, 'in');
    e(at(1, 10 * 60 + 40 + (i - 30) * 10), o.store.id, A[i]!, 'out', 'granted', { flags: 'holding_media' });
  }
  return {
    entries: out,
    what: [
      ['probing', '5 badges denied 4 times within 5 minutes at the media store; an unknown value tried 5 times at night'],
      ['unknown_badge', "the night's unknown value (…dead), besides the scattered unknown values"],
      ['badge_two_rooms', '3 badges let in at a second room 2 minutes after the first (also two_rooms)'],
      ['two_rooms', '3 people let into a second room 30 minutes after the first, without leaving it'],
      ['outside_hours_presence', '8 people still inside after closing (out after 21:00); also the overnight stays'],
      ['long_stay', '4 overnight stays of about 23 hours; 2 people still inside the machine room at the end of the week'],
      ['manual_exit', '5 exits recorded by a guard'],
      ['exit_holding_media', '5 exits from the media store holding media'],
    ],
  };
}

function plantAccessLog(o: {
  acc: (n: number) => { n: number; id: string; username: string; n_addr: number };
  accounts: Array<{ n: number; id: string; username: string; grp: Group; n_addr: number }>;
  at: (day: number, minutes: number, seconds?: number) => Date;
  weekDays: DayRow[];
  leftAccounts: number[];
}): { rows: AccessRow[]; what: Array<[string, string]>; lockedAt: Date } {
  const rows: AccessRow[] = [];
  const { at, acc } = o;
  const usual = (n: number, day: number) => addressOf(n, acc(n).n_addr, o.weekDays[day]!.dayNo);
  const r = (when: Date, account: { id: string; username: string } | null, username: string | null, method: string, path: string, status: number, ip: string) =>
    rows.push({ at: when.toISOString(), account_id: account?.id ?? null, username: account?.username ?? username, method, path, status, source_ip: ip, duration_ms: status === 401 ? 110 : 12 });
  const LOGIN = '/api/auth/login';
  // Failed sign-in bursts: a real name six times in four minutes (then right); "admin" and "root" at night from outside.
  const s0 = STAFF0;
  for (let k = 0; k < 6; k++) r(at(1, 11 * 60, k * 40), null, acc(s0).username, 'POST', LOGIN, 401, usual(s0, 1));
  r(at(1, 11 * 60 + 5), acc(s0), null, 'POST', LOGIN, 200, usual(s0, 1));
  for (let k = 0; k < 8; k++) r(at(2, 2 * 60 + 13, k * 20), null, 'admin', 'POST', LOGIN, 401, '203.0.113.7');
  for (let k = 0; k < 6; k++) r(at(3, 3 * 60 + 40, k * 25), null, 'root', 'POST', LOGIN, 401, '203.0.113.8');
  // A lockout: five failures, then 423 twice.
  const s3 = STAFF0 + 3;
  for (let k = 0; k < 5; k++) r(at(2, 14 * 60, k * 30), null, acc(s3).username, 'POST', LOGIN, 401, usual(s3, 2));
  const lockedAt = at(2, 14 * 60, 4 * 30 + 1);
  r(at(2, 14 * 60 + 3), null, acc(s3).username, 'POST', LOGIN, 423, usual(s3, 2));
  r(at(2, 14 * 60 + 5), null, acc(s3).username, 'POST', LOGIN, 423, usual(s3, 2));
  // New addresses: six accounts sign in from an address never used before, then work from it.
  for (let i = 0; i < 6; i++) {
    const n = STAFF0 + 12 + i;
    const ip = `198.51.100.${10 + i}`;
    const day = 1 + (i % 3);
    r(at(day, 12 * 60 + 30), acc(n), null, 'POST', LOGIN, 200, ip);
    for (let k = 1; k <= 3; k++) r(at(day, 12 * 60 + 30 + k * 7), acc(n), null, 'GET', '/api/entries', 200, ip);
  }
  // One account from two addresses within ten minutes (three accounts).
  for (let i = 0; i < 3; i++) {
    const n = STAFF0 + 22 + i;
    r(at(3, 15 * 60), acc(n), null, 'GET', '/api/entries', 200, usual(n, 3));
    r(at(3, 15 * 60 + 4), acc(n), null, 'GET', '/api/auth/me', 200, `192.0.2.${20 + i}`);
    r(at(3, 15 * 60 + 6), acc(n), null, 'GET', '/api/entries', 200, `192.0.2.${20 + i}`);
  }
  // Sign-ins outside working hours: late evenings, and two on Saturday.
  for (let i = 0; i < 8; i++) {
    const n = STAFF0 + 32 + i;
    const day = i < 6 ? i % 5 : 5;
    r(at(day, i < 6 ? 21 * 60 + 30 + i * 7 : 10 * 60 + i), acc(n), null, 'POST', LOGIN, 200, usual(n, day));
  }
  // 403: staff trying what their role does not allow.
  for (let i = 0; i < 8; i++) {
    const n = STAFF0 + 42 + i;
    const day = 1 + (i % 3);
    r(at(day, 10 * 60 + i * 3), acc(n), null, 'POST', '/api/people', 403, usual(n, day));
    r(at(day, 10 * 60 + i * 3 + 1), acc(n), null, 'GET', '/api/journal', 403, usual(n, day));
    if (i % 2 === 0) r(at(day, 10 * 60 + i * 3 + 2), acc(n), null, 'GET', '/api/access-log', 403, usual(n, day));
  }
  // Media records read by staff (four accounts) and by an auditor.
  for (let i = 0; i < 4; i++) {
    const n = STAFF0 + 52 + i;
    for (let k = 0; k < 4; k++) r(at(2, 11 * 60 + i * 10 + k), acc(n), null, 'GET', `/api/media/${crypto.randomUUID()}`, 200, usual(n, 2));
  }
  const auditor = o.accounts.find((a) => a.grp === 'auditor')!;
  for (let k = 0; k < 2; k++) r(at(3, 9 * 60 + 30 + k), auditor, null, 'GET', '/api/media', 200, usual(auditor.n, 3));
  // Accounts used after their person left (a session that outlived the leave).
  for (const n of o.leftAccounts) {
    r(at(2, 10 * 60), acc(n), null, 'GET', '/api/entries', 200, usual(n, 2));
    r(at(2, 10 * 60 + 1), acc(n), null, 'GET', '/api/auth/me', 200, usual(n, 2));
  }
  return {
    rows,
    lockedAt,
    what: [
      ['failed_signins', 'a real user name 6 times in 4 minutes; "admin" 8 times and "root" 6 times at night from outside'],
      ['lockout', 'one account locked after 5 failures (423 twice)'],
      ['new_address', '6 accounts signing in from an address not seen in 90 days (each followed by requests from it)'],
      ['two_addresses', '3 accounts used from a second address 4 minutes later'],
      ['signin_outside_hours', '8 sign-ins in the evening or on Saturday, besides the late new-address ones'],
      ['forbidden', '8 staff accounts refused 2–3 times (POST /api/people, GET /api/journal, GET /api/access-log)'],
      ['media_read', '4 staff accounts reading media records 4 times each, an auditor listing media twice'],
      ['left_account_use', '2 accounts used 1–2 days after their person left'],
    ],
  };
}
