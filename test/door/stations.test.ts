// Door stations (issue "the front desk in daily use", item 1): a device at one room's door with
// its own credential, shown once and stored as a digest; it records scans at its room and nothing
// else, has no session (it never times out), and is refused at once, on every server, when revoked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildRequestListener } from '../../server/app.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { custodySite, type CustodySite, type SitePerson } from '../helpers/custody.js';
import { openSibling, usingPostgres } from '../helpers/db.js';

let s: TestServer;
let site: CustodySite;
let worker: SitePerson;

beforeAll(async () => {
  s = await startTestServer({ scryptCost: 1024 });
  site = await custodySite(s);
  worker = await site.person('入室 花子', ['staff']);
});
afterAll(async () => {
  await s?.close();
});

const as = (credential: string) => ({ authorization: `Bearer ${credential}` });

async function register(roomId = site.roomId, name = '第1処理室 入口') {
  return site.ok('post', '/api/door-stations', { roomId, name }, 201);
}

describe('registering a station', () => {
  it('shows the credential once, with an enrolment QR code; keeps only a digest; lists without it; journaled', async () => {
    const st = await register();
    expect(st.credential).toMatch(/^tds1_[A-Za-z0-9_-]{43}$/);
    expect(st.enrolUrl).toContain(`/station.html#enrol=${st.credential}`);
    expect(st.enrolQrSvg).toContain('<svg');
    expect(st).toMatchObject({ roomId: site.roomId, name: '第1処理室 入口', status: 'active', lastSeenAt: null });
    const row = await s.ctx.db.knex('door_stations').where({ id: st.id }).first();
    expect(JSON.stringify(row)).not.toContain(st.credential);
    const list = await site.ok('get', '/api/door-stations', undefined, 200);
    expect(JSON.stringify(list)).not.toContain(st.credential);
    expect(list.items.find((x: { id: string }) => x.id === st.id)).toMatchObject({ status: 'active' });
    expect(await s.ctx.db.knex('journal_entries').where({ action: 'door.station_registered', subject: `station:${st.id}` })).toHaveLength(1);
  });

  it('only administrators register and revoke stations', async () => {
    const responsible = await s.createUser({ roles: ['responsible'] });
    const res = await request(s.url).post('/api/door-stations').set(as(await s.login(responsible))).send({ roomId: site.roomId, name: 'x' });
    expect(res.status).toBe(403);
  });
});

describe('a station at work', () => {
  it('records scans at its room, as itself; has no session', async () => {
    const st = await register();
    const sessionsBefore = Number((await s.ctx.db.knex('sessions').count('* as n').first())!.n);
    const me = await request(s.url).get('/api/door-stations/me').set(as(st.credential));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: st.id, name: '第1処理室 入口', roomId: site.roomId, roomName: '第1処理室' });
    const scan = await request(s.url).post('/api/scans').set(as(st.credential)).send({ roomId: site.roomId, badge: worker.badge, direction: 'in' });
    expect(scan.status, JSON.stringify(scan.body)).toBe(201);
    expect(scan.body).toMatchObject({ decision: 'granted', person: { name: '入室 花子' } });
    const entry = await s.ctx.db.knex('entries').where({ id: scan.body.entryId }).first();
    expect(entry).toMatchObject({ station_id: st.id, recorded_by: null });
    expect(Number((await s.ctx.db.knex('sessions').count('* as n').first())!.n)).toBe(sessionsBefore);
    // the access log names the station
    await new Promise((r) => setTimeout(r, 150));
    const logged = await s.ctx.db.knex('access_log').where({ path: '/api/scans', username: 'station:第1処理室 入口' }).first();
    expect(logged).toBeTruthy();
    await request(s.url).post('/api/scans').set(as(st.credential)).send({ roomId: site.roomId, badge: worker.badge, direction: 'out' }).expect(201);
  });

  it('403 for anything but scans at its own room; 401 unknown; a person\'s token is no station', async () => {
    const st = await register();
    const other = await request(s.url).post('/api/scans').set(as(st.credential)).send({ roomId: site.otherRoomId, badge: worker.badge });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('station_wrong_room');
    for (const [method, path] of [['get', '/api/people'], ['get', '/api/entries'], ['get', '/api/entries/live'], ['post', '/api/door-stations'], ['get', `/api/rooms/${site.roomId}/occupancy`]] as const) {
      const res = await request(s.url)[method](path).set(as(st.credential)).send(method === 'post' ? { roomId: site.roomId, name: 'x' } : undefined);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe('station_not_allowed');
    }
    const unknown = await request(s.url).post('/api/scans').set(as(`tds1_${'A'.repeat(43)}`)).send({ roomId: site.roomId, badge: worker.badge });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('station_unknown');
    expect((await request(s.url).get('/api/door-stations/me').set(as(await s.adminToken()))).status).toBe(403);
  });

  it(`revoking it refuses it at once, ${usingPostgres ? 'on another server too' : 'on this server'}; journaled`, async () => {
    const st = await register();
    let url = s.url;
    let close = async () => undefined;
    if (usingPostgres) {
      const sib = await openSibling(s.ctx);
      const server = http.createServer(buildRequestListener(sib));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      close = async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await sib.workers.stopAll();
        await sib.db.close();
      };
    }
    try {
      expect((await request(url).post('/api/scans').set(as(st.credential)).send({ roomId: site.roomId, badge: worker.badge, direction: 'in' })).status).toBe(201);
      const revoked = await site.ok('post', `/api/door-stations/${st.id}/revoke`, { reason: 'the tablet was replaced' }, 200);
      expect(revoked.status).toBe('revoked');
      const after = await request(url).post('/api/scans').set(as(st.credential)).send({ roomId: site.roomId, badge: worker.badge, direction: 'out' });
      expect(after.status).toBe(401);
      expect((await site.call('post', `/api/door-stations/${st.id}/revoke`, { reason: 'again' })).status).toBe(409);
      expect(await s.ctx.db.knex('journal_entries').where({ action: 'door.station_revoked', subject: `station:${st.id}` })).toHaveLength(1);
    } finally {
      await close();
    }
  });
});
