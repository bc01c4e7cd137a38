// Door messages go out at once (issue 20, scan → lock ≤ 50 ms): the MQTT clients of the servers
// and of the simulated controller turn Nagle's algorithm off on every socket they open — plain and
// TLS, and again after a reconnect (a new socket). bench:doors measured what it costs without:
// about 40 ms per small message. Read through Node's own flag on the socket (kSetNoDelay), since
// a timing would not be a test.
import fs from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasMosquitto, startTestBroker, type TestBroker } from '../helpers/mosquitto.js';
import { until } from '../helpers/door-site.js';
import { sendSmallMessagesAtOnce } from '../../server/doors/connection.js';

let plain: TestBroker;
let tls: TestBroker;

beforeAll(async () => {
  if (!hasMosquitto) return;
  [plain, tls] = await Promise.all([startTestBroker(), startTestBroker({ tls: true })]);
}, 60_000);

afterAll(async () => {
  await plain?.close();
  await tls?.close();
});

/** Node's record of setNoDelay on a socket (net.Socket keeps it under the kSetNoDelay symbol). */
function noDelayOf(client: MqttClient): boolean {
  const socket = client.stream as unknown as Record<symbol, unknown>;
  const flag = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  if (!flag) throw new Error('this Node keeps no kSetNoDelay flag on its sockets');
  return socket[flag] === true;
}

async function connect(broker: TestBroker, atOnce: boolean): Promise<MqttClient> {
  const client = mqtt.connect(broker.url, { reconnectPeriod: 100, ...(broker.caFile ? { ca: fs.readFileSync(broker.caFile) } : {}), rejectUnauthorized: true });
  if (atOnce) sendSmallMessagesAtOnce(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

describe.runIf(hasMosquitto)('small door messages are not held back (TCP_NODELAY)', () => {
  for (const kind of ['plain', 'tls'] as const) {
    it(`on ${kind} MQTT: set on the socket, and on the new socket after a reconnect; not set by default`, async () => {
      const broker = kind === 'plain' ? plain : tls;
      const control = await connect(broker, false);
      const client = await connect(broker, true);
      try {
        expect(noDelayOf(control)).toBe(false);
        expect(noDelayOf(client)).toBe(true);
        // The connection drops; the client opens a new socket.
        const first = client.stream;
        client.stream.destroy();
        await until('reconnected on a new socket', () => client.connected && client.stream !== first, 5000);
        expect(noDelayOf(client)).toBe(true);
      } finally {
        await control.endAsync(true);
        await client.endAsync(true);
      }
    });
  }
});
