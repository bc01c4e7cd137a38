// A site with doors over MQTT for one test file (issue 20): its own Mosquitto (mosquitto.ts), a
// test server whose broker worker takes the doors' messages, and the steps every door test needs —
// a room, a badge holder on its access list, a door registered as an administrator registers it,
// its simulated controller. close() ends the controllers, the server and the broker.
import request from 'supertest';
import type { Config } from '../../server/config.js';
import { doorBrokerWorker, type DoorBrokerWorker } from '../../server/doors/broker.js';
import { startDoorSim, type DoorSim } from '../../server/doors/simulator.js';
import { siteOf } from '../../server/system/site.js';
import { ok } from './api.js';
import { startTestBroker, type TestBroker } from './mosquitto.js';
import { startTestServer, type TestServer } from './server.js';

/** What POST /api/doors answers: the door and its controller's credentials (shown once). */
export interface RegisteredDoor {
  id: string;
  roomId: string;
  name: string;
  mqttUsername: string;
  mqttPassword: string;
  commandKey: string;
  topics: Record<string, string>;
}

export interface DoorSite {
  broker: TestBroker;
  s: TestServer;
  /** The administrator's token. */
  token: string;
  worker: DoorBrokerWorker;
  /** The site's fixed id (the topics' <site>). */
  site: string;
  contractorOrgId: string;
  /** Every simulated controller started by simFor. */
  sims: DoorSim[];
  auth(token?: string): { authorization: string };
  /** A secure room named `prefix` and a number. */
  newRoom(prefix?: string): Promise<string>;
  /** A person of the contractor with a badge, on the room's access list (none with null). */
  newBadgeHolder(roomId: string | null, prefix?: string): Promise<{ personId: string; token: string }>;
  newDoor(roomId: string, name?: string): Promise<RegisteredDoor>;
  /** The door's simulated controller (closed with the site); `account`: it logs in with the door's own broker account. */
  simFor(door: RegisteredDoor, options?: { heartbeatMs?: number; account?: boolean }): Promise<DoorSim>;
  close(): Promise<void>;
}

export async function startDoorSite(options: { clientId: string; broker?: { dynsec?: boolean; tls?: boolean }; server?: Partial<Config> }): Promise<DoorSite> {
  const broker = await startTestBroker(options.broker ?? {});
  const dynsec = options.broker?.dynsec ? { mqttUsername: broker.admin!.username, mqttPassword: broker.admin!.password, mqttDynsec: true } : {};
  const s = await startTestServer({ scryptCost: 1024, mqttUrl: broker.url, mqttClientId: options.clientId, ...dynsec, ...options.server });
  const token = await s.adminToken();
  const worker = doorBrokerWorker(s.ctx);
  s.ctx.workers.add('doors.broker', worker);
  await worker.ready;
  const site = (await siteOf(s.ctx)).id;
  const auth = (t = token) => ({ authorization: `Bearer ${t}` });
  const orgs = await request(s.url).get('/api/orgs').set(auth());
  const contractorOrgId = (orgs.body.items as Array<{ id: string; kind: string }>).find((o) => o.kind === 'contractor')!.id;
  const sims: DoorSim[] = [];
  let n = 0;
  return {
    broker,
    s,
    token,
    worker,
    site,
    contractorOrgId,
    sims,
    auth,
    async newRoom(prefix = '扉室') {
      n += 1;
      return (await ok(await request(s.url).post('/api/rooms').set(auth()).send({ name: `${prefix}${n}`, kind: 'secure' }), 201)).id as string;
    },
    async newBadgeHolder(roomId, prefix = '扉 花子') {
      n += 1;
      const p = await ok(await request(s.url).post('/api/people').set(auth()).send({ name: `${prefix}${n}`, orgId: contractorOrgId, roles: ['staff'] }), 201);
      const b = await ok(await request(s.url).post('/api/badges').set(auth()).send({ personId: p.id }), 201);
      if (roomId) await ok(await request(s.url).post(`/api/rooms/${roomId}/access`).set(auth()).send({ personId: p.id }), 201);
      return { personId: p.id as string, token: b.token as string };
    },
    async newDoor(roomId, name = '正面扉') {
      return (await ok(await request(s.url).post('/api/doors').set(auth()).send({ roomId, name }), 201)) as RegisteredDoor;
    },
    async simFor(door, o = {}) {
      const sim = await startDoorSim({
        url: broker.url,
        site,
        door: door.id,
        key: door.commandKey,
        ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
        ...(o.account ? { username: door.mqttUsername, password: door.mqttPassword } : {}),
      });
      sims.push(sim);
      return sim;
    },
    async close() {
      for (const sim of sims) await sim.close().catch(() => undefined);
      await s.close();
      await broker.close();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `check` holds (every 25 ms), or fails naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
