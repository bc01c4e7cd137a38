// The room rules at doors over MQTT (issue 20 part 5), against a real Mosquitto and the simulated
// controllers of two doors of one room: under the two-person rule (二人制) the first person's door
// stays locked (pending_second_person) and the second person's door unlocks; with an occupancy
// limit, people scanning at the two doors at once are let in up to the limit and no further — the
// others' doors stay locked with room_full.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { TestServer } from '../helpers/server.js';
import { startDoorSite, type DoorSite } from '../helpers/door-site.js';
import { ok } from '../helpers/api.js';
import { hasMosquitto, type TestBroker } from '../helpers/mosquitto.js';
import { doorBrokerWorker, type DoorBrokerWorker } from '../../server/doors/broker.js';
import type { DoorSim } from '../../server/doors/simulator.js';
import { usingPostgres } from '../helpers/db.js';
import { createContext, type AppContext } from '../../server/context.js';
import { createDatabase } from '../../db/connection.js';
import mqtt from 'mqtt';

let d: DoorSite;
let broker: TestBroker;
let s: TestServer;
let token: string;
let worker: DoorBrokerWorker;
const auth = () => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  d = await startDoorSite({ clientId: 'tachiai-rules-a', server: { doorScanMaxAgeSeconds: 30 } });
  ({ broker, s, token, worker } = d);
}, 60_000);

afterAll(async () => {
  await d?.close();
});

async function roomWithTwoDoors(rules: object): Promise<{ room: string; doors: [DoorSim, DoorSim] }> {
  const room = await d.newRoom('扉規則室');
  await ok(await request(s.url).put(`/api/rooms/${room}/rules`).set(auth()).send({ twoPerson: { enabled: false }, occupancyLimit: null, antiPassbackHours: null, ...rules }), 200);
  const made: DoorSim[] = [];
  for (const name of ['正面扉', '裏口']) made.push(await d.simFor(await d.newDoor(room, name)));
  return { room, doors: made as [DoorSim, DoorSim] };
}
const holder = (room: string) => d.newBadgeHolder(room, '扉 規則');

describe.runIf(hasMosquitto)('room rules at doors over MQTT', () => {
  it('two-person rule: the first person\'s door stays locked (pending_second_person); the second person\'s door unlocks; both inside', async () => {
    const { room, doors: [front, back] } = await roomWithTwoDoors({ twoPerson: { enabled: true, windowSeconds: 30 } });
    const [a, b] = [await holder(room), await holder(room)];
    const first = await front.scan(a.token, { direction: 'in' });
    expect(await front.verdictFor(first)).toEqual({ kind: 'stays_locked', scan: first, reason: 'pending_second_person' });
    expect(front.lock.isUnlocked()).toBe(false);
    const second = await back.scan(b.token, { direction: 'in' });
    expect(await back.verdictFor(second)).toMatchObject({ kind: 'unlocked', scan: second });
    expect(back.lock.isUnlocked()).toBe(true);
    expect(front.lock.isUnlocked()).toBe(false);
    const inside = (await s.ctx.db.knex('presence').where({ room_id: room }).select('person_id')).map((r: { person_id: string }) => r.person_id).sort();
    expect(inside).toEqual([a.personId, b.personId].sort());
  });

  it('occupancy limit 3: 8 people scanning at the two doors at once — exactly 3 doors unlock, 5 stay locked room_full', async () => {
    const { room, doors } = await roomWithTwoDoors({ occupancyLimit: 3 });
    const people = await Promise.all(Array.from({ length: 8 }, () => holder(room)));
    const ids = await Promise.all(people.map((p, i) => doors[i % 2]!.scan(p.token, { direction: 'in' }).then((id) => ({ id, sim: doors[i % 2]! }))));
    const verdicts = await Promise.all(ids.map(({ id, sim }) => sim.verdictFor(id)));
    expect(verdicts.filter((v) => v.kind === 'unlocked')).toHaveLength(3);
    expect(verdicts.filter((v) => v.kind === 'stays_locked').map((v) => (v as { reason: string }).reason)).toEqual(Array(5).fill('room_full'));
    expect(await s.ctx.db.knex('presence').where({ room_id: room })).toHaveLength(3);
  });

  describe('two servers on one database, each taking its share of the doors\' messages', () => {
    // PGlite is one process's database: PostgreSQL only.
    it.runIf(usingPostgres)('the occupancy limit and the two-person rule hold at two doors of one room whichever server decides each scan', async () => {
      const db = await createDatabase({ databaseUrl: s.ctx.testDatabase.url });
      const other: AppContext = createContext({ config: { ...s.ctx.config, mqttClientId: 'tachiai-rules-b' }, secrets: s.ctx.secrets, logger: s.ctx.logger, db });
      const otherWorker = doorBrokerWorker(other);
      other.workers.add('doors.broker', otherWorker);
      try {
        await otherWorker.ready;
        const before = { a: worker.counts().recorded ?? 0, b: otherWorker.counts().recorded ?? 0 };
        for (let round = 0; round < 2; round++) {
          const { room, doors } = await roomWithTwoDoors({ occupancyLimit: 3 });
          const people = await Promise.all(Array.from({ length: 10 }, () => holder(room)));
          const ids = await Promise.all(people.map((p, i) => doors[i % 2]!.scan(p.token, { direction: 'in' }).then((id) => ({ id, sim: doors[i % 2]! }))));
          const verdicts = await Promise.all(ids.map(({ id, sim }) => sim.verdictFor(id)));
          expect(verdicts.filter((v) => v.kind === 'unlocked')).toHaveLength(3);
          expect(await s.ctx.db.knex('presence').where({ room_id: room })).toHaveLength(3);
        }
        for (let round = 0; round < 2; round++) {
          const { room, doors } = await roomWithTwoDoors({ twoPerson: { enabled: true, windowSeconds: 30 } });
          const people = await Promise.all(Array.from({ length: 6 }, () => holder(room)));
          const ids = await Promise.all(people.map((p, i) => doors[i % 2]!.scan(p.token, { direction: 'in' }).then((id) => ({ id, sim: doors[i % 2]! }))));
          await Promise.all(ids.map(({ id, sim }) => sim.verdictFor(id)));
          // Exactly one pairing, never one person inside alone.
          const pairs = await s.ctx.db.knex('entries').where({ room_id: room, decision: 'granted' }).whereRaw("'two_person' = ANY (flags)");
          expect(pairs).toHaveLength(2);
          expect((await s.ctx.db.knex('presence').where({ room_id: room })).length).not.toBe(1);
        }
        // Both servers decided scans.
        expect((worker.counts().recorded ?? 0) - before.a).toBeGreaterThan(0);
        expect((otherWorker.counts().recorded ?? 0) - before.b).toBeGreaterThan(0);
      } finally {
        await other.workers.stopAll();
        await db.close();
        // The second server is gone for good: its persistent session leaves the shared group.
        const gone = await mqtt.connectAsync(broker.url, { clientId: 'tachiai-rules-b', clean: true, protocolVersion: 4 });
        await gone.endAsync();
      }
    }, 60_000);
  });
});
