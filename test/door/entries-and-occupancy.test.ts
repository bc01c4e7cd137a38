// The entry log (E6.2): filters, keyset paging, CSV for auditors (BOM, English/Japanese, no
// formula injection); who is inside now (E1.6 occupancy) and the printable evacuation list
// (E9.1 muster); the live log over server-sent events, fanned out through PostgreSQL so that a
// scan recorded by one server reaches the front-desk pages of another.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readEvents } from '../helpers/sse.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ok } from '../helpers/api.js';
import { openSibling, usingPostgres } from '../helpers/db.js';
import { buildRequestListener } from '../../server/app.js';
import type { AppContext } from '../../server/context.js';

let s: TestServer;
let token: string;
let contractorOrgId: string;

beforeAll(async () => {
  // The PIN hashing cost is not under test here; the lowest cost keeps badge issuing fast.
  s = await startTestServer({ scryptCost: 1024 });
  token = await s.adminToken();
  const orgs = await request(s.url).get('/api/orgs').set(auth());
  contractorOrgId = orgs.body.items.find((o: { kind: string }) => o.kind === 'contractor').id;
});
afterAll(async () => {
  await s?.close();
});

function auth(t = token) {
  return { authorization: `Bearer ${t}` };
}


let n = 0;
async function newRoom(name?: string, kind: 'secure' | 'reception' = 'secure'): Promise<string> {
  n += 1;
  return (await ok(await request(s.url).post('/api/rooms').set(auth()).send({ name: name ?? `処理室 ${n}`, kind }), 201)).id;
}

async function enrolled(rooms: string[], name?: string, orgId = contractorOrgId) {
  n += 1;
  const personId = (await ok(await request(s.url).post('/api/people').set(auth()).send({ name: name ?? `記録 花子${n}`, orgId, roles: ['staff'] }), 201)).id as string;
  const badge = (await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId }), 201)).token as string;
  for (const room of rooms) await ok(await request(s.url).post(`/api/rooms/${room}/access`).set(auth()).send({ personId }), 201);
  return { personId, badge };
}

interface Scan {
  entryId: string;
  decision: string;
  reason?: string;
  direction: string;
  at: string;
}

async function scan(roomId: string, badge: string, direction?: 'in' | 'out', base = s.url): Promise<Scan> {
  return ok(await request(base).post('/api/scans').set(auth()).send({ roomId, badge, ...(direction ? { direction } : {}) }), 201);
}

interface Entry {
  id: string;
  at: string;
  roomId: string;
  roomName: string;
  person: { id: string; name: string; orgName: string | null } | null;
  badgeId: string | null;
  direction: string;
  decision: string;
  reason: string | null;
  presentedHint: string | null;
  flags: string[];
}

async function entries(query: Record<string, string | number>): Promise<{ items: Entry[]; nextCursor: string | null }> {
  return ok(await request(s.url).get('/api/entries').query(query).set(auth()), 200);
}

/** RFC 4180 parser (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function csv(query: Record<string, string>) {
  const res = await request(s.url)
    .get('/api/entries')
    .query({ format: 'csv', ...query })
    .set(auth())
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(res.status).toBe(200);
  return { res, bytes: res.body as Buffer };
}

describe('GET /api/entries: filters (E6.2)', () => {
  let r1: string;
  let r2: string;
  let a: { personId: string; badge: string };
  let b: { personId: string; badge: string };
  const scans: Array<Scan & { room: string; person: string | null }> = [];

  beforeAll(async () => {
    r1 = await newRoom();
    r2 = await newRoom();
    a = await enrolled([r1]);
    b = await enrolled([r2]);
    const record = async (room: string, who: { personId: string; badge: string } | null, badge: string, dir?: 'in' | 'out') => {
      scans.push({ ...(await scan(room, badge, dir)), room, person: who?.personId ?? null });
    };
    await record(r1, a, a.badge); // 0 a in r1 granted
    await record(r1, b, b.badge); // 1 b r1 denied not_on_access_list
    await record(r2, b, b.badge); // 2 b in r2 granted
    await record(r1, a, a.badge); // 3 a out r1 granted
    await record(r1, null, `tb1_${crypto.randomBytes(33).toString('base64url')}`); // 4 unknown r1 denied
    await record(r2, b, b.badge, 'in'); // 5 b r2 denied already_inside
  });

  const ids = (items: Entry[]) => items.map((i) => i.id);
  const expected = (pred: (x: (typeof scans)[number]) => boolean) => scans.filter(pred).map((x) => x.entryId).reverse();

  it('roomId: only that room, newest first', async () => {
    expect(ids((await entries({ roomId: r1 })).items)).toEqual(expected((x) => x.room === r1));
    expect(ids((await entries({ roomId: r2 })).items)).toEqual(expected((x) => x.room === r2));
  });

  it('personId: only that person, across rooms', async () => {
    const got = (await entries({ personId: b.personId })).items;
    expect(ids(got)).toEqual(expected((x) => x.person === b.personId));
    expect(new Set(got.map((g) => g.roomId))).toEqual(new Set([r1, r2]));
  });

  it('decision: granted / denied', async () => {
    const room = { roomId: r1 };
    expect(ids((await entries({ ...room, decision: 'denied' })).items)).toEqual(expected((x) => x.room === r1 && x.decision === 'denied'));
    expect(ids((await entries({ ...room, decision: 'granted' })).items)).toEqual(expected((x) => x.room === r1 && x.decision === 'granted'));
    const both = await entries({ personId: b.personId, decision: 'denied' });
    expect(both.items.map((i) => i.reason).sort()).toEqual(['already_inside', 'not_on_access_list']);
  });

  it('from is inclusive, to is exclusive (RFC 3339 with +09:00)', async () => {
    const mid = scans[2]!; // b in r2
    expect(mid.at).toMatch(/\+09:00$/);
    const from = await entries({ from: mid.at, roomId: r2 });
    expect(ids(from.items)).toEqual([scans[5]!.entryId, mid.entryId]);
    const to = await entries({ to: mid.at, personId: b.personId });
    expect(ids(to.items)).toEqual([scans[1]!.entryId]);
    const window = await entries({ from: scans[1]!.at, to: scans[4]!.at });
    expect(ids(window.items)).toEqual([scans[3]!.entryId, scans[2]!.entryId, scans[1]!.entryId]);
    // the same instant in UTC selects the same
    const utc = new Date(mid.at).toISOString();
    expect(ids((await entries({ from: utc, roomId: r2 })).items)).toEqual(ids(from.items));
  });

  it('an entry in the list: room, person with organisation, badge, hint (never the token), ISO time in Tokyo', async () => {
    const [first] = (await entries({ roomId: r1, personId: a.personId, decision: 'granted' })).items.slice(-1);
    expect(first).toMatchObject({ id: scans[0]!.entryId, at: scans[0]!.at, roomId: r1, direction: 'in', decision: 'granted', reason: null, flags: [] });
    expect(first!.person).toMatchObject({ id: a.personId, orgName: '株式会社テスト受託' });
    expect(first!.badgeId).toEqual(expect.any(String));
    expect(first!.presentedHint).toBe(`…${a.badge.slice(-4)}`);
    const unknown = (await entries({ roomId: r1, decision: 'denied' })).items.find((i) => i.id === scans[4]!.entryId)!;
    expect(unknown).toMatchObject({ person: null, badgeId: null, reason: 'unknown_badge' });
  });

  it('bad filters → 400 (not a time, no offset, unknown decision, unknown parameter, bad cursor, limit out of range); unknown room → empty list', async () => {
    for (const q of [{ from: 'yesterday' }, { from: '2026-11-23T09:00:00' }, { decision: 'maybe' }, { direction: 'in' }, { cursor: 'nonsense' }, { limit: 0 }, { limit: 501 }, { roomId: 'r1' }, { format: 'xml' }, { lang: 'fr' }]) {
      const res = await request(s.url).get('/api/entries').query(q).set(auth());
      expect(res.status, JSON.stringify(q)).toBe(400);
    }
    expect((await entries({ roomId: crypto.randomUUID() })).items).toEqual([]);
  });

  it('access: a guard reads the log; staff cannot (403); no token → 401', async () => {
    const guard = await s.createUser({ roles: ['guard'], password: 'Tq9#pW4$zN' });
    expect((await request(s.url).get('/api/entries').set(auth(await s.login(guard)))).status).toBe(200);
    const staff = await s.createUser({ roles: ['staff'], password: 'Tq9#pW4$zN' });
    expect((await request(s.url).get('/api/entries').set(auth(await s.login(staff)))).status).toBe(403);
    expect((await request(s.url).get('/api/entries')).status).toBe(401);
  });
});

describe('GET /api/entries: cursor paging', () => {
  it('25 entries with limit 10: three pages, every entry exactly once, newest first', async () => {
    const room = await newRoom();
    const p = await enrolled([room]);
    const made: string[] = [];
    for (let i = 0; i < 25; i++) made.push((await scan(room, p.badge)).entryId);
    const seen: Entry[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    for (let page = 0; page < 5; page++) {
      const res: { items: Entry[]; nextCursor: string | null } = await entries({ roomId: room, limit: 10, ...(cursor ? { cursor } : {}) });
      sizes.push(res.items.length);
      seen.push(...res.items);
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(cursor).toBeNull();
    expect(seen.map((e) => e.id)).toEqual([...made].reverse());
    expect(new Set(seen.map((e) => e.id)).size).toBe(25);
    for (let i = 1; i < seen.length; i++) {
      const prev = new Date(seen[i - 1]!.at).getTime();
      const cur = new Date(seen[i]!.at).getTime();
      expect(prev > cur || (prev === cur && BigInt(seen[i - 1]!.id) > BigInt(seen[i]!.id))).toBe(true);
    }
    // a limit equal to the number of entries: one page, no cursor
    const exact = await entries({ roomId: room, limit: 25 });
    expect(exact.items).toHaveLength(25);
    expect(exact.nextCursor).toBeNull();
    // entries with the same time are neither skipped nor repeated across pages (ties broken by id)
    await s.ctx.db.knex('entries').where({ room_id: room }).update({ at: new Date('2026-11-23T01:00:00Z') });
    const tied: string[] = [];
    cursor = null;
    for (let page = 0; page < 5; page++) {
      const res: { items: Entry[]; nextCursor: string | null } = await entries({ roomId: room, limit: 10, ...(cursor ? { cursor } : {}) });
      tied.push(...res.items.map((e) => e.id));
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    expect(tied).toEqual([...made].reverse());
  });
});

describe('GET /api/entries?format=csv', () => {
  let room: string;
  const HOSTILE_ROOM = '=HYPERLINK("http://evil.example/?x","開く")';
  const HOSTILE_PERSON = '@SUM(1+1)*cmd|" /C calc"!A0';
  const HOSTILE_ORG = '+81-3-0000';
  const MINUS_PERSON = '-2+3';

  beforeAll(async () => {
    room = await newRoom(HOSTILE_ROOM);
    const org = (await ok(await request(s.url).post('/api/orgs').set(auth()).send({ name: HOSTILE_ORG, kind: 'visitor_company' }), 201)).id;
    const p = await enrolled([room], HOSTILE_PERSON, org);
    const q = await enrolled([room], MINUS_PERSON);
    await scan(room, q.badge); // granted in
    await scan(room, q.badge); // granted out
    await scan(room, p.badge); // denied nda_missing (a visitor company's person in a secure room)
  });

  it('UTF-8 with BOM, CRLF, English headers and codes without lang, one row per entry', async () => {
    const { res, bytes } = await csv({ roomId: room });
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="entries\.csv"/);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFFTime,Time (UTC),Room,Person,Organisation,Direction,Decision,Reason,Badge presented,Entry ID\r\n')).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows).toHaveLength(1 + 3);
    const json = (await entries({ roomId: room })).items;
    expect(rows.slice(1).map((r) => r[9])).toEqual(json.map((e) => e.id));
    // Issue 14: the site's clock as 2026-12-06 01:39:14 (a spreadsheet's date-time), then ISO 8601 UTC.
    expect(rows.slice(1).map((r) => r[0])).toEqual(json.map((e) => e.at.slice(0, 19).replace('T', ' ')));
    expect(rows.slice(1).map((r) => r[1])).toEqual(json.map((e) => `${new Date(e.at).toISOString().slice(0, 19)}Z`));
    expect(rows.slice(1).map((r) => `${r[5]}/${r[6]}`)).toEqual(['in/denied', 'out/granted', 'in/granted']);
    expect(rows[1]![7]).toBe('nda_missing'); // the code: stable for auditors' scripts
  });

  it('lang=en: English words for the values', async () => {
    const rows = parseCsv((await csv({ roomId: room, lang: 'en' })).bytes.toString('utf8').slice(1));
    expect(rows[0]![0]).toBe('Time');
    expect(rows[1]![7]).toBe('no valid NDA on file');
  });

  it('lang=ja: Japanese headers and words (入室/退室/許可/拒否) and reasons', async () => {
    const { bytes } = await csv({ roomId: room, lang: 'ja' });
    const text = bytes.toString('utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(['日時', '日時（UTC）', '部屋', '氏名', '所属', '入退', '判定', '理由', '提示された入館証', '記録ID']);
    expect(rows.slice(1).map((r) => `${r[5]}/${r[6]}`)).toEqual(['入室/拒否', '退室/許可', '入室/許可']);
    expect(rows[1]![7]).toBe('有効な秘密保持契約がありません');
  });

  it('filters by reason (the audit tab)', async () => {
    const only = await entries({ roomId: room, reason: 'nda_missing' });
    expect(only.items.map((e) => e.reason)).toEqual(['nda_missing']);
    expect((await request(s.url).get('/api/entries').query({ reason: 'bogus' }).set(auth())).status).toBe(400);
  });

  it('a cell starting with = + - @ is neutralised (no formula runs in Excel)', async () => {
    for (const lang of ['en', 'ja']) {
      const rows = parseCsv((await csv({ roomId: room, lang })).bytes.toString('utf8').slice(1));
      for (const row of rows) for (const cell of row) expect(cell, `cell ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/);
      const data = rows.slice(1);
      expect(data[0]![2]).toBe(`'${HOSTILE_ROOM}`);
      expect(data[0]![3]).toBe(`'${HOSTILE_PERSON}`);
      expect(data[0]![4]).toBe(`'${HOSTILE_ORG}`);
      expect(data[1]![3]).toBe(`'${MINUS_PERSON}`);
    }
  });

  it('the CSV honours the other filters and holds every matching row', async () => {
    const { bytes } = await csv({ roomId: room, decision: 'granted' });
    expect(parseCsv(bytes.toString('utf8').slice(1))).toHaveLength(1 + 2);
    const all = parseCsv((await csv({})).bytes.toString('utf8').slice(1));
    const total = Number((await s.ctx.db.knex('entries').count({ n: '*' }))[0]!.n);
    expect(all).toHaveLength(1 + total);
  });
});

describe('occupancy (E1.6) and the muster list (E9.1)', () => {
  it('occupancy lists who is inside since when (longest first), and is empty after they leave', async () => {
    const room = await newRoom();
    const a = await enrolled([room], '在室 一郎');
    const b = await enrolled([room], '在室 二郎');
    const outsider = await enrolled([], '部外 三郎');
    let occ = await ok(await request(s.url).get(`/api/rooms/${room}/occupancy`).set(auth()), 200);
    expect(occ).toMatchObject({ roomId: room, count: 0, occupants: [] });

    const ina = await scan(room, a.badge);
    const inb = await scan(room, b.badge);
    await scan(room, outsider.badge); // denied: not inside afterwards
    occ = await ok(await request(s.url).get(`/api/rooms/${room}/occupancy`).set(auth()), 200);
    expect(occ.count).toBe(2);
    expect(occ.occupants).toEqual([
      { personId: a.personId, name: '在室 一郎', orgName: '株式会社テスト受託', roles: ['staff'], since: ina.at, entryId: ina.entryId, heldMedia: [] },
      { personId: b.personId, name: '在室 二郎', orgName: '株式会社テスト受託', roles: ['staff'], since: inb.at, entryId: inb.entryId, heldMedia: [] },
    ]);
    // the room list counts them too
    const rooms = await ok(await request(s.url).get('/api/rooms').set(auth()), 200);
    expect(rooms.items.find((r: { id: string }) => r.id === room).inside).toBe(2);

    await scan(room, a.badge); // out
    occ = await ok(await request(s.url).get(`/api/rooms/${room}/occupancy`).set(auth()), 200);
    expect(occ.occupants.map((o: { personId: string }) => o.personId)).toEqual([b.personId]);
    await scan(room, b.badge, 'out');
    occ = await ok(await request(s.url).get(`/api/rooms/${room}/occupancy`).set(auth()), 200);
    expect(occ).toMatchObject({ count: 0, occupants: [] });
    expect((await request(s.url).get(`/api/rooms/${crypto.randomUUID()}/occupancy`).set(auth())).status).toBe(404);
  });

  it('muster: an A4 printable page with the print stylesheet, the printed-at time in Tokyo and the names of those inside', async () => {
    const room = await newRoom('第2処理室');
    const a = await enrolled([room], '避難 一郎');
    const b = await enrolled([room], '避難 二郎');
    const c = await enrolled([room], '<i>退室</i> 済子');
    await scan(room, a.badge);
    await scan(room, b.badge);
    await scan(room, c.badge);
    await scan(room, c.badge); // c has left the room

    const before = Date.now();
    const res = await request(s.url).get(`/api/rooms/${room}/muster`).set(auth());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    const html = res.text;
    expect(html).toContain('<link rel="stylesheet" href="/assets/print.css">');
    expect(html).toMatch(/<main class="a4 muster">/);
    expect(html).toContain('避難者確認リスト');
    expect(html).toContain('第2処理室');
    expect(html).toContain('避難 一郎');
    expect(html).toContain('避難 二郎');
    expect(html).not.toContain('済子');
    expect(html).toMatch(/<dt>在室人数<\/dt><dd>2<\/dd>/);
    const printed = /<dt>印刷日時<\/dt><dd>(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):\d{2} \(Asia\/Tokyo\)<\/dd>/.exec(html);
    expect(printed).not.toBeNull();
    const [, y, mo, d, h, mi] = printed!.map(Number);
    const printedAt = Date.UTC(y!, mo! - 1, d!, h! - 9, mi!);
    expect(printedAt).toBeGreaterThanOrEqual(Math.floor(before / 60_000) * 60_000 - 60_000);
    expect(printedAt).toBeLessThanOrEqual(Date.now() + 60_000);

    // the print stylesheet makes it A4
    const css = await request(s.url).get('/assets/print.css');
    expect(css.status).toBe(200);
    expect(css.text).toMatch(/@page\s*\{\s*size:\s*A4/);

    const en = await request(s.url).get(`/api/rooms/${room}/muster?lang=en`).set(auth());
    expect(en.status).toBe(200);
    expect(en.text).toContain('Evacuation list');
    expect(en.text).toContain('Printed at');
    expect(en.text).toContain('避難 一郎');
    expect(en.text).toContain('<html lang="en">');

    // empty room says so; unknown room 404; bad lang 400
    const empty = await newRoom();
    expect((await request(s.url).get(`/api/rooms/${empty}/muster`).set(auth())).text).toContain('印刷時点で在室者はいません');
    expect((await request(s.url).get(`/api/rooms/${crypto.randomUUID()}/muster`).set(auth())).status).toBe(404);
    expect((await request(s.url).get(`/api/rooms/${room}/muster?lang=fr`).set(auth())).status).toBe(400);
  });

  it('muster: names are escaped', async () => {
    const room = await newRoom();
    const p = await enrolled([room], '<script>alert(1)</script> 太郎');
    await scan(room, p.badge);
    const html = (await request(s.url).get(`/api/rooms/${room}/muster`).set(auth())).text;
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 太郎');
    expect(html).not.toContain('<script>');
  });
});

const sse = (url: string, t = token) => readEvents(url, t);

describe('the live log: GET /api/entries/live (server-sent events)', () => {
  it(`an entry event arrives for a scan made through ${usingPostgres ? 'a SECOND server on the same database' : 'the same server (PGlite)'}`, async () => {
    // On PostgreSQL a second app with its own pool and its own LISTEN connection serves the
    // scans: the event can only reach the first server's stream through PostgreSQL's NOTIFY.
    // PGlite is an in-process database that only one process can open, so there is no second
    // server to build; there the same server records the scan and the test shows the stream.
    let second: { url: string; close(): Promise<void> } | null = null;
    if (usingPostgres) {
      const sib: AppContext = await openSibling(s.ctx);
      const server2 = http.createServer(buildRequestListener(sib));
      await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', () => resolve()));
      second = {
        url: `http://127.0.0.1:${(server2.address() as AddressInfo).port}`,
        async close() {
          server2.closeAllConnections();
          await new Promise<void>((resolve) => server2.close(() => resolve()));
          await sib.db.close();
        },
      };
    }
    const scanUrl = second?.url ?? s.url;
    expect(scanUrl === s.url).toBe(!usingPostgres);
    const room = await newRoom('ライブ室');
    const p = await enrolled([room], 'ライブ 花子');
    const stream = sse(`${s.url}/api/entries/live`);
    try {
      const res = await stream.response;
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await stream.waitFor((e) => e.event === 'connected')).not.toBeNull();

      // ': connected' is written before the server's LISTEN is in place, so the first scans may
      // race it: scan until one arrives (at most 10 tries), then require the next one strictly.
      const made: string[] = [];
      let first = null;
      for (let i = 0; i < 10 && !first; i++) {
        made.push((await scan(room, p.badge, undefined, scanUrl)).entryId);
        first = await stream.waitFor((e) => e.event === 'entry' && made.includes(String(e.data.entryId)), 1000);
      }
      expect(first).not.toBeNull();

      const denied = await scan(room, `tb1_${crypto.randomBytes(33).toString('base64url')}`, undefined, scanUrl);
      const ev = await stream.waitFor((e) => e.event === 'entry' && e.data.entryId === denied.entryId, 5000);
      expect(ev).not.toBeNull();
      expect(ev!.data).toMatchObject({ entryId: denied.entryId, roomId: room, roomName: 'ライブ室', decision: 'denied', reason: 'unknown_badge', direction: 'in', at: denied.at, person: null });
      expect(String(ev!.data.at)).toMatch(/\+09:00$/);

      const granted = await scan(room, p.badge, undefined, scanUrl);
      const ev2 = await stream.waitFor((e) => e.event === 'entry' && e.data.entryId === granted.entryId, 5000);
      expect(ev2!.data).toMatchObject({ decision: 'granted', person: { id: p.personId, name: 'ライブ 花子' } });
    } finally {
      await stream.close();
      await second?.close();
    }
  });

  it('?roomId= only forwards that room; a request without a token is refused', async () => {
    const r1 = await newRoom();
    const r2 = await newRoom();
    const p = await enrolled([r1, r2]);
    const stream = sse(`${s.url}/api/entries/live?roomId=${r1}`);
    try {
      expect((await stream.response).status).toBe(200);
      await stream.waitFor((e) => e.event === 'connected');
      const other: string[] = [];
      const mine: string[] = [];
      let got = null;
      for (let i = 0; i < 10 && !got; i++) {
        other.push((await scan(r2, p.badge)).entryId);
        mine.push((await scan(r1, p.badge)).entryId);
        got = await stream.waitFor((e) => e.event === 'entry' && mine.includes(String(e.data.entryId)), 1000);
      }
      expect(got).not.toBeNull();
      const last = await scan(r2, p.badge);
      const lastMine = await scan(r1, p.badge);
      expect(await stream.waitFor((e) => e.data.entryId === lastMine.entryId, 5000)).not.toBeNull();
      // notifications arrive in commit order: r2's scans, made before, would have come first
      expect(stream.events.filter((e) => e.event === 'entry').every((e) => e.data.roomId === r1)).toBe(true);
      expect(stream.events.some((e) => e.data.entryId === last.entryId || other.includes(String(e.data.entryId)))).toBe(false);
    } finally {
      await stream.close();
    }
    const res = await fetch(`${s.url}/api/entries/live`);
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });

  it(`review finding 9: signing out on ${usingPostgres ? 'ANOTHER server' : 'the server'} ends the session's streams at once`, async () => {
    const guard = await s.createUser({ roles: ['guard'] });
    const guardToken = await s.login(guard);
    const other = usingPostgres ? await openSibling(s.ctx) : null;
    let server2: http.Server | null = null;
    let logoutUrl = s.url;
    if (other) {
      server2 = http.createServer(buildRequestListener(other));
      await new Promise<void>((resolve) => server2!.listen(0, '127.0.0.1', () => resolve()));
      logoutUrl = `http://127.0.0.1:${(server2.address() as AddressInfo).port}`;
    }
    const stream = sse(`${s.url}/api/entries/live`, guardToken);
    const streamOfAdmin = sse(`${s.url}/api/entries/live`);
    try {
      expect((await stream.response).status).toBe(200);
      await stream.waitFor((e) => e.event === 'connected');
      await streamOfAdmin.waitFor((e) => e.event === 'connected');
      const started = Date.now();
      expect((await fetch(`${logoutUrl}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${guardToken}` } })).status).toBe(204);
      // Far sooner than the periodic check (5 s): the database announced the end.
      expect(await stream.waitForEnd(3000)).toBe(true);
      expect(stream.endedAt()! - started).toBeLessThan(3000);
      // Another session's stream lives on.
      expect(streamOfAdmin.endedAt()).toBeNull();
    } finally {
      await stream.close();
      await streamOfAdmin.close();
      if (server2) {
        server2.closeAllConnections();
        await new Promise<void>((resolve) => server2!.close(() => resolve()));
      }
      await other?.db.close();
    }
  });
});
