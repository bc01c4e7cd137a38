// The review's digest of a period (issue 16) is the same on PostgreSQL and on the embedded PGlite:
// the same rows give the same per-day counts and sums, so a review signed on one can be re-checked
// after a move to the other. Both databases are opened here, side by side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDatabase, type Database } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrate.js';
import { digestHash, periodDigest } from '../../server/reviews/digest.read-model.js';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = `tachiai_digest_${process.pid}_${Date.now()}`;
let postgres: Database | null = null;
let embedded: Database;
let pgReachable = false;

async function seed(db: Database) {
  const k = db.knex;
  const [room] = await k('rooms').insert({ id: '0b9f3c1e-5d2a-4f8e-9a61-7c3b2d1e0f45', name: '第1処理室 "引用" ＆', kind: 'secure' }).returning('id');
  const roomId = (room as { id: string }).id; // the same id on both: a uuid made by the database would differ
  for (let i = 0; i < 50; i++) {
    await k('entries').insert({
      id: 1000 + i,
      at: new Date(Date.UTC(2026, 10, 23, 15, 0, 0) + i * 3_600_000 + i * 1.5),
      room_id: roomId,
      direction: i % 2 ? 'out' : 'in',
      decision: i % 7 ? 'granted' : 'denied',
      reason: i % 7 ? null : 'unknown_badge',
      presented_hint: i % 7 ? null : `…${String(i).padStart(4, '0')}`,
      flags: i % 11 ? [] : ['manual_exit', 'holding_media'],
    });
    await k('access_log').insert({ id: 5000 + i, at: new Date(Date.UTC(2026, 10, 24, 0, 0, 0) + i * 60_000 + 0.25), method: 'GET', path: `/api/x/${i}`, status: i % 5 ? 200 : 403, source_ip: i % 3 ? '192.0.2.1' : null, duration_ms: i, username: i % 4 ? `名前${i}` : null });
  }
  // Doors that lock (issue 20): scans from a door's reader name the door and the message id, on
  // a day of their own (Nov 28 on the site's clock); a door alarm.
  const doorId = '5a0c1f2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
  await k('doors').insert({ id: doorId, room_id: roomId, name: '正面扉', mqtt_username: `door-${doorId}`, mqtt_password_digest: 'x', command_key_sealed: 'v1.x.x.x', created_by: 'test' });
  for (let i = 0; i < 5; i++) {
    await k('entries').insert({ id: 2000 + i, at: new Date(Date.UTC(2026, 10, 27, 16, 0, 0) + i * 60_000), room_id: roomId, direction: 'in', decision: i % 2 ? 'denied' : 'granted', reason: i % 2 ? 'unknown_badge' : null, door_id: doorId, door_message_id: `msg-${i}` });
  }
  await k('door_alarms').insert({ id: '6b1d2f3e-4c5d-4e6f-9a0b-1c2d3e4f5a6b', kind: 'forced', door_id: doorId, room_id: roomId, raised_at: new Date(Date.UTC(2026, 10, 27, 17, 0, 0, 250)) });
  return roomId;
}

beforeAll(async () => {
  try {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${NAME}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${NAME}`;
    postgres = await createDatabase({ databaseUrl: url.toString() });
    await migrateToLatest(postgres.knex);
    await seed(postgres);
    pgReachable = true;
  } catch {
    pgReachable = false;
  }
  embedded = await createDatabase({ databaseUrl: undefined, embeddedDir: undefined });
  await migrateToLatest(embedded.knex);
  await seed(embedded);
}, 120_000);

afterAll(async () => {
  await embedded?.close();
  await postgres?.close();
  if (pgReachable) {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
    await admin.end();
  }
});

describe('the period digest', () => {
  it('is the same on PostgreSQL and PGlite for the same rows', async () => {
    if (!pgReachable) return; // this machine has no PostgreSQL: nothing to compare with
    const from = new Date(Date.UTC(2026, 10, 22, 15));
    const to = new Date(Date.UTC(2026, 10, 29, 15));
    const a = await periodDigest(postgres!.knex, from, to, 'Asia/Tokyo');
    const b = await periodDigest(embedded.knex, from, to, 'Asia/Tokyo');
    expect(a.entries).toEqual(b.entries);
    expect(a.access_log).toEqual(b.access_log);
    expect(a.door_alarms).toEqual(b.door_alarms);
    expect(a.entries!['2026-11-28']!.count).toBe(5);
    expect(Object.keys(a.entries!).length).toBeGreaterThan(1); // split by day on the site's clock
    expect(digestHash(a)).toBe(digestHash(b));
  });

  it('a scan without a door hashes as it did before doors existed (a review signed then re-checks unchanged)', async () => {
    const from = new Date(Date.UTC(2026, 10, 22, 15));
    const to = new Date(Date.UTC(2026, 10, 29, 15));
    const d = await periodDigest(embedded.knex, from, to, 'Asia/Tokyo');
    // Computed with the digest of the commit before issue 20's door column was digested.
    expect(d.entries!['2026-11-24']).toEqual({ count: 24, sum: '14171841894476602520' });
    expect(d.entries!['2026-11-25']).toEqual({ count: 24, sum: '15136088108684241178' });
    expect(d.entries!['2026-11-26']).toEqual({ count: 2, sum: '808585933634260188' });
    expect(d.door_alarms).toEqual({ '2026-11-28': expect.objectContaining({ count: 1 }) });
  });

  it('changes with the door of a scan and with a door alarm', async () => {
    const from = new Date(Date.UTC(2026, 10, 22, 15));
    const to = new Date(Date.UTC(2026, 10, 29, 15));
    const before = digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'));
    await embedded.knex('entries').where({ id: 2001 }).update({ door_message_id: 'msg-x' });
    expect(digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'))).not.toBe(before);
    await embedded.knex('entries').where({ id: 2001 }).update({ door_message_id: 'msg-1' });
    expect(digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'))).toBe(before);
    await embedded.knex('door_alarms').update({ kind: 'held_open' });
    expect(digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'))).not.toBe(before);
    await embedded.knex('door_alarms').update({ kind: 'forced' });
    expect(digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'))).toBe(before);
  });

  it('changes with any row of the period: changed, added or deleted', async () => {
    const from = new Date(Date.UTC(2026, 10, 22, 15));
    const to = new Date(Date.UTC(2026, 10, 29, 15));
    const before = digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'));
    await embedded.knex('entries').where({ id: 1003 }).update({ presented_hint: 'x' });
    const changed = digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'));
    expect(changed).not.toBe(before);
    await embedded.knex('entries').where({ id: 1003 }).update({ presented_hint: null });
    expect(digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'))).toBe(before);
    await embedded.knex('access_log').where({ id: 5007 }).delete();
    expect(digestHash(await periodDigest(embedded.knex, from, to, 'Asia/Tokyo'))).not.toBe(before);
  });
});
