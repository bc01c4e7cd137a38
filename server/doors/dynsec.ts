// The controllers' broker accounts through Mosquitto's dynamic-security plugin (issue 20), when
// MQTT_DYNSEC=true: registering a door makes its client (username door-<id>, the password shown
// once) with a role of its own that lets it publish only its door's scan, state and heartbeat and
// subscribe only to its door's command topic — so one controller cannot act for another door.
// Revoking disables the client: the broker drops its connection at once and refuses its login.
//
// Each call is one short connection of the server's own account (a dynsec administrator) that
// sends the commands to $CONTROL/dynamic-security/v1 and waits for the plugin's answer.
import crypto from 'node:crypto';
import mqtt from 'mqtt';
import type { AppContext } from '../context.js';
import { BrokerUnavailableError } from '../errors.js';
import { doorTopic } from './protocol.js';
import { serverConnectOptions } from './connection.js';

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
const TIMEOUT_MS = 5_000;

type Command = Record<string, unknown> & { command: string };
interface Response {
  command: string;
  error?: string;
}

/** Sends the commands in one message; answers the plugin's responses, or throws 503 broker_unavailable. */
export async function dynsecCommands(app: AppContext, commands: Command[]): Promise<Response[]> {
  const url = app.config.mqttUrl;
  if (!url) throw new BrokerUnavailableError('No MQTT broker is configured (MQTT_URL).');
  let client: mqtt.MqttClient | null = null;
  try {
    client = await mqtt.connectAsync(url, {
      ...serverConnectOptions(app.config),
      clientId: `tachiai-dynsec-${crypto.randomBytes(6).toString('hex')}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: TIMEOUT_MS,
    });
    const c = client;
    const answer = new Promise<Response[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from the dynamic-security plugin')), TIMEOUT_MS);
      c.on('message', (topic, payload) => {
        if (topic !== RESPONSE_TOPIC) return;
        try {
          const body = JSON.parse(payload.toString('utf8')) as { responses?: Response[] };
          clearTimeout(timer);
          resolve(body.responses ?? []);
        } catch (err) {
          clearTimeout(timer);
          reject(err as Error);
        }
      });
    });
    const granted = await c.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    if (granted.some((g) => g.qos === 128)) throw new Error(`${app.config.mqttUsername ?? 'this account'} may not use the dynamic-security plugin`);
    await c.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands }), { qos: 1 });
    return await answer;
  } catch (err) {
    app.logger.warn({ err: (err as Error).message }, 'the dynamic-security plugin did not answer');
    throw new BrokerUnavailableError();
  } finally {
    if (client) await client.endAsync(true).catch(() => undefined);
  }
}

/** The role of one door's controller: its own topics and nothing else. */
export const controllerRoleName = (doorId: string): string => `tachiai-door-${doorId}`;

export function controllerAcls(site: string, doorId: string): Array<{ acltype: string; topic: string; allow: boolean }> {
  return [
    { acltype: 'publishClientSend', topic: doorTopic(site, doorId, 'scan'), allow: true },
    { acltype: 'publishClientSend', topic: doorTopic(site, doorId, 'state'), allow: true },
    { acltype: 'publishClientSend', topic: doorTopic(site, doorId, 'heartbeat'), allow: true },
    { acltype: 'subscribeLiteral', topic: doorTopic(site, doorId, 'command'), allow: true },
  ];
}

function check(responses: Response[], allowed: (r: Response) => boolean = () => false): void {
  const failed = responses.filter((r) => r.error && !allowed(r));
  if (failed.length > 0) throw new BrokerUnavailableError(`The broker refused: ${failed.map((r) => `${r.command}: ${r.error}`).join('; ')}. Nothing was changed.`);
}

/** Makes the controller's client and its role (a role left by an earlier attempt is reused). */
export async function createControllerAccount(app: AppContext, site: string, door: { id: string; username: string; password: string }): Promise<void> {
  const rolename = controllerRoleName(door.id);
  check(
    await dynsecCommands(app, [
      { command: 'createRole', rolename, textdescription: `Tachiai door ${door.id}` },
      ...controllerAcls(site, door.id).map((acl) => ({ command: 'addRoleACL', rolename, ...acl, priority: 0 })),
      { command: 'createClient', username: door.username, password: door.password, roles: [{ rolename }] },
    ]),
    (r) => (r.command === 'createRole' || r.command === 'addRoleACL') && /already exists/i.test(r.error ?? ''),
  );
}

/** Disables the controller's client: its connection is dropped at once and its login refused. */
export async function disableControllerAccount(app: AppContext, username: string): Promise<void> {
  check(await dynsecCommands(app, [{ command: 'disableClient', username }]));
}
