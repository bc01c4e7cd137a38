// Emergency and remote control of the doors (issue 20 part 6), against a real Mosquitto started by
// this file and the simulated controller: a fire alarm — the fire panel's message on
// tachiai/<site>/fire, or an administrator through the API — releases every live door (a MAC-ed
// `release` the simulator obeys, staying unlocked until `restore`), once (journaled; two alarms at
// once record one release), shown to the front desk; ending it is journaled and locks the doors
// again; a replayed release is refused. A remote unlock by the responsible person (責任者) with
// badge + PIN and a reason sends one MAC-ed unlock to that door (journaled with who and why); a
// wrong PIN, someone else's badge, another role or a revoked door is a clear 4xx and nothing is sent.
import crypto from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestServer } from '../helpers/server.js';
import { sleep, startDoorSite, until, type DoorSite, type RegisteredDoor } from '../helpers/door-site.js';
import { ok } from '../helpers/api.js';
import { holderSetsPin } from '../helpers/pins.js';
import { hasMosquitto, type TestBroker } from '../helpers/mosquitto.js';
import type { DoorBrokerWorker } from '../../server/doors/broker.js';
import { fireTopic } from '../../server/doors/protocol.js';
import { metricsOf } from '../../server/monitoring/metrics.js';
import { drainIntake } from '../../server/journal/intake.js';

let d: DoorSite;
let broker: TestBroker;
let s: TestServer;
let token: string;
let worker: DoorBrokerWorker;
let site: string;
const PIN = '482913';

const auth = (t = token) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  d = await startDoorSite({ clientId: 'tachiai-emergency-a' });
  ({ broker, s, token, worker, site } = d);
}, 60_000);

afterAll(async () => {
  await d?.close();
});

type Registered = RegisteredDoor;
/** A door of a room of its own. */
const newDoor = async (): Promise<Registered> => d.newDoor(await d.newRoom('非常室'));
const simFor = (door: Registered) => d.simFor(door);
async function journalOf(action: string) {
  await drainIntake(s.ctx.db.knex);
  return (await s.ctx.db.knex('journal_entries').where({ action }).orderBy('seq')) as Array<{ actor: string; subject: string; payload: string }>;
}

describe.runIf(hasMosquitto)('fire release (issue 20 part 6)', () => {
  it('an administrator releases every live door (not a revoked one): the simulators stay unlocked until the release ends; journaled; the desk sees it', async () => {
    const [d1, d2, gone] = [await newDoor(), await newDoor(), await newDoor()];
    await ok(await request(s.url).post(`/api/doors/${gone.id}/revoke`).set(auth()).send({ reason: '撤去' }), 200);
    const [a, b, c] = [await simFor(d1), await simFor(d2), await simFor(gone)];
    expect((await ok(await request(s.url).get('/api/fire-release').set(auth()), 200)).active).toBeNull();
    const releaseMetric = async () => /^tachiai_fire_release_active (\d)$/m.exec(await metricsOf(s.ctx).scrape())?.[1];
    expect(await releaseMetric()).toBe('0');
    const started = await ok(await request(s.url).post('/api/fire-release').set(auth()).send({ reason: '火災報知器の発報' }), 201);
    expect(await releaseMetric()).toBe('1');
    expect(started.release).toMatchObject({ source: 'api', reason: '火災報知器の発報', endedAt: null });
    expect(started.doorsCommanded).toBeGreaterThanOrEqual(2);
    await until('both doors released', () => a.lock.released && b.lock.released);
    expect(a.verdicts.at(-1)).toMatchObject({ kind: 'released', scan: `fire:${started.release.id}` });
    expect(c.lock.released).toBe(false);
    // Still unlocked long after an ordinary unlock would have ended.
    await sleep(300);
    expect(a.lock.isUnlocked() && b.lock.isUnlocked()).toBe(true);
    // The front desk (a guard can read it) sees the release.
    const guard = await s.createUser({ roles: ['guard'], password: 'Tq9#pW4$zN' });
    const guardToken = await s.login(guard);
    expect((await ok(await request(s.url).get('/api/fire-release').set(auth(guardToken)), 200)).active).toMatchObject({ id: started.release.id });
    // A guard cannot release or end it.
    await ok(await request(s.url).post('/api/fire-release/end').set(auth(guardToken)).send({ note: 'x' }), 403);
    // A second release while one is in force: 409, nothing recorded twice.
    await ok(await request(s.url).post('/api/fire-release').set(auth()).send({ reason: 'again' }), 409);
    const ended = await ok(await request(s.url).post('/api/fire-release/end').set(auth()).send({ note: '消防署の確認後に復旧' }), 200);
    expect(await releaseMetric()).toBe('0');
    expect(ended.release).toMatchObject({ id: started.release.id, endNote: '消防署の確認後に復旧' });
    await until('both doors restored', () => !a.lock.released && !b.lock.released);
    expect(a.lock.isUnlocked()).toBe(false);
    await ok(await request(s.url).post('/api/fire-release/end').set(auth()).send({ note: 'again' }), 409);
    expect((await ok(await request(s.url).get('/api/fire-release').set(auth()), 200)).active).toBeNull();
    const startedJ = await journalOf('door.fire_release_started');
    expect(startedJ.filter((j) => j.subject === `release:${started.release.id}`)).toHaveLength(1);
    expect(JSON.parse(startedJ.at(-1)!.payload)).toMatchObject({ source: 'api', reason: '火災報知器の発報' });
    expect(JSON.parse(startedJ.at(-1)!.payload).doors).not.toContain(gone.id);
    const endedJ = await journalOf('door.fire_release_ended');
    expect(endedJ.filter((j) => j.subject === `release:${started.release.id}`)).toHaveLength(1);
  });

  it('a door that missed the release (registered or back since) is released as soon as it reports itself locked; after the end it is not', async () => {
    const first = await newDoor();
    const a = await simFor(first);
    const started = await ok(await request(s.url).post('/api/fire-release').set(auth()).send({ reason: '火災報知器の発報' }), 201);
    await until('the first door released', () => a.lock.released);
    // A controller that was away: it comes back and reports its state (locked).
    const late = await newDoor();
    const b = await simFor(late);
    expect(b.lock.released).toBe(false);
    await b.setContact('closed');
    await until('the late door released', () => b.lock.released);
    expect(b.verdicts.at(-1)).toMatchObject({ kind: 'released', scan: `fire:${started.release.id}` });
    await ok(await request(s.url).post('/api/fire-release/end').set(auth()).send({ note: '復旧' }), 200);
    await until('both restored', () => !a.lock.released && !b.lock.released);
    // No release in force: a door reporting itself locked stays locked.
    const count = b.verdicts.length;
    await b.setContact('closed');
    await sleep(500);
    expect(b.verdicts.slice(count).some((v) => v.kind === 'released')).toBe(false);
    expect(b.lock.released).toBe(false);
  });

  it('the fire panel\'s alarm on tachiai/<site>/fire releases every door; two alarms at once record one release; clear ends it; malformed is dropped', async () => {
    const door = await newDoor();
    const sim = await simFor(door);
    const panel = await mqtt.connectAsync(broker.url, { clientId: `fire-panel-${crypto.randomBytes(3).toString('hex')}` });
    try {
      const before = (await s.ctx.db.knex('door_releases').count({ c: '*' }).first()) as { c: string };
      const alarm = (id: string) => panel.publishAsync(fireTopic(site), JSON.stringify({ id, state: 'alarm', at: new Date().toISOString() }), { qos: 1 });
      await Promise.all([alarm('panel-1'), alarm('panel-2')]);
      await until('the door released', () => sim.lock.released);
      await until('one release recorded', async () => (await s.ctx.db.knex('door_releases').whereNull('ended_at')).length === 1);
      await sleep(300);
      const after = (await s.ctx.db.knex('door_releases').count({ c: '*' }).first()) as { c: string };
      expect(Number(after.c) - Number(before.c)).toBe(1);
      const open = await s.ctx.db.knex('door_releases').whereNull('ended_at').first();
      expect(open).toMatchObject({ source: 'fire_panel', started_by: 'fire_panel' });
      await panel.publishAsync(fireTopic(site), '{"state":"maybe"}', { qos: 1 });
      await until('the malformed message counted', () => (worker.counts().malformed ?? 0) >= 1);
      await panel.publishAsync(fireTopic(site), JSON.stringify({ id: 'panel-3', state: 'clear', at: new Date().toISOString() }), { qos: 1 });
      await until('the door locked again', () => !sim.lock.released);
      expect(await s.ctx.db.knex('door_releases').whereNull('ended_at')).toHaveLength(0);
      expect(worker.counts().fire).toBeGreaterThanOrEqual(3);
    } finally {
      await panel.endAsync();
    }
  });

  it('a release command replayed to the controller is refused (MAC-covered, nonce seen)', async () => {
    const door = await newDoor();
    const sim = await simFor(door);
    const spy = await mqtt.connectAsync(broker.url, { clientId: `spy-${crypto.randomBytes(3).toString('hex')}` });
    const seen: Buffer[] = [];
    spy.on('message', (_t, p) => seen.push(p));
    await spy.subscribeAsync(door.topics.command!, { qos: 1 });
    try {
      await ok(await request(s.url).post('/api/fire-release').set(auth()).send({ reason: '訓練' }), 201);
      await until('released', () => sim.lock.released && seen.length >= 1);
      await ok(await request(s.url).post('/api/fire-release/end').set(auth()).send({ note: '訓練終了' }), 200);
      await until('restored', () => !sim.lock.released && seen.length >= 2);
      // Someone replays the captured release: the lock refuses it and stays locked.
      await spy.publishAsync(door.topics.command!, seen[0]!, { qos: 1 });
      await until('the replay judged', () => sim.verdicts.some((v) => v.kind === 'refused'));
      expect(sim.verdicts.at(-1)).toMatchObject({ kind: 'refused', why: 'replayed' });
      expect(sim.lock.isUnlocked()).toBe(false);
      // A forged one (action changed, MAC kept) is refused as forged.
      const forged = { ...JSON.parse(seen[1]!.toString()), action: 'release', nonce: 'AAAAAAAAAAAAAAAAAAAAAA' };
      await spy.publishAsync(door.topics.command!, JSON.stringify(forged), { qos: 1 });
      await until('the forgery judged', () => sim.verdicts.filter((v) => v.kind === 'refused').length >= 2);
      expect(sim.verdicts.at(-1)).toMatchObject({ kind: 'refused', why: 'forged' });
      expect(sim.lock.released).toBe(false);
    } finally {
      await spy.endAsync();
    }
  });
});

describe.runIf(hasMosquitto)('remote unlock by the responsible person (issue 20 part 6)', () => {
  async function responsiblePerson(roles = ['responsible']) {
    const user = await s.createUser({ roles, password: 'Tq9#pW4$zN' });
    const badge = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: user.personId }), 201);
    await holderSetsPin(s.ctx, badge.id, PIN);
    return { user, badge: badge.token as string, token: await s.login(user) };
  }

  it('with their own badge + PIN and a reason: one MAC-ed unlock opens that door (and only it); journaled with who and why', async () => {
    const [door, other] = [await newDoor(), await newDoor()];
    const [sim, otherSim] = [await simFor(door), await simFor(other)];
    const r = await responsiblePerson();
    const done = await ok(
      await request(s.url).post(`/api/doors/${door.id}/unlock`).set(auth(r.token)).send({ signer: { personId: r.user.personId, badge: r.badge, pin: PIN }, reason: '保守業者の入室（立会いあり）' }),
      201,
    );
    expect(done).toMatchObject({ doorId: door.id, personId: r.user.personId, reason: '保守業者の入室（立会いあり）', durationMs: s.ctx.config.doorUnlockMs });
    expect(await sim.verdictFor(`remote:${done.id}`)).toEqual({ kind: 'unlocked', scan: `remote:${done.id}`, durationMs: s.ctx.config.doorUnlockMs });
    await sleep(200);
    expect(otherSim.verdicts).toHaveLength(0);
    const journal = (await journalOf('door.remote_unlock')).filter((j) => j.subject === `door:${door.id}`);
    expect(journal).toHaveLength(1);
    expect(JSON.parse(journal[0]!.payload)).toMatchObject({ unlockId: done.id, personId: r.user.personId, reason: '保守業者の入室（立会いあり）' });
  });

  it('the unlock is recorded before its command is sent: a command the broker does not take is journaled as not sent (503) and opens nothing', async () => {
    const door = await newDoor();
    const sim = await simFor(door);
    const r = await responsiblePerson();
    // The broker refuses this one publish (a fault injected into the real worker, once).
    const publish = worker.publish.bind(worker);
    let refused = 0;
    worker.publish = async () => {
      worker.publish = publish;
      refused++;
      throw new Error('broker refused the message');
    };
    try {
      const res = await ok(
        await request(s.url).post(`/api/doors/${door.id}/unlock`).set(auth(r.token)).send({ signer: { personId: r.user.personId, badge: r.badge, pin: PIN }, reason: '点検' }),
        503,
      );
      expect(res.error.code).toBe('broker_unavailable');
      expect(res.error.message).toContain('recorded');
    } finally {
      worker.publish = publish;
    }
    expect(refused).toBe(1);
    const asked = (await journalOf('door.remote_unlock')).filter((j) => j.subject === `door:${door.id}`);
    const unsent = (await journalOf('door.remote_unlock_unsent')).filter((j) => j.subject === `door:${door.id}`);
    expect(asked).toHaveLength(1);
    expect(unsent).toHaveLength(1);
    expect(JSON.parse(unsent[0]!.payload)).toMatchObject({ unlockId: JSON.parse(asked[0]!.payload).unlockId, error: 'broker refused the message' });
    await sleep(300);
    expect(sim.verdicts).toHaveLength(0);
    expect(sim.lock.isUnlocked()).toBe(false);
  });

  it('a wrong PIN, someone else\'s badge, another role, a revoked or unknown door: a clear 4xx and nothing sent or journaled', async () => {
    const door = await newDoor();
    const sim = await simFor(door);
    const r = await responsiblePerson();
    const unlock = (body: unknown, t = r.token, id = door.id) => request(s.url).post(`/api/doors/${id}/unlock`).set(auth(t)).send(body as object);
    const good = { signer: { personId: r.user.personId, badge: r.badge, pin: PIN }, reason: '点検' };
    const wrong = await ok(await unlock({ ...good, signer: { ...good.signer, pin: '000000' } }), 400);
    expect(wrong.error.code).toBe('signature_invalid');
    await ok(await unlock({ ...good, reason: '' }), 400);
    await ok(await unlock({ signer: good.signer }), 400);
    // An administrator is not the responsible person.
    expect((await ok(await unlock(good, token), 403)).error.code).toBe('forbidden');
    // Another responsible person's badge.
    const other = await responsiblePerson();
    expect((await ok(await unlock({ ...good, signer: { personId: other.user.personId, badge: other.badge, pin: PIN } }), 403)).error.code).toBe('signer_not_you');
    // A guard may not even ask.
    const guard = await responsiblePerson(['guard']);
    await ok(await unlock({ ...good, signer: { personId: guard.user.personId, badge: guard.badge, pin: PIN } }, guard.token), 403);
    await ok(await unlock(good, r.token, crypto.randomUUID()), 404);
    const revoked = await newDoor();
    await ok(await request(s.url).post(`/api/doors/${revoked.id}/revoke`).set(auth()).send({ reason: '撤去' }), 200);
    expect((await ok(await unlock(good, r.token, revoked.id), 409)).error.code).toBe('door_revoked');
    await sleep(300);
    expect(sim.verdicts).toHaveLength(0);
    expect(sim.lock.isUnlocked()).toBe(false);
    expect((await journalOf('door.remote_unlock')).filter((j) => j.subject === `door:${door.id}` || j.subject === `door:${revoked.id}`)).toHaveLength(0);
  });
});
