// The servers' connection options to the door controllers' broker (issue 20): their account, and
// for mqtts:// the CA of the broker's certificate (MQTT_CA_FILE; the certificate is always checked).
import fs from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Config } from '../config.js';

export function serverConnectOptions(config: Config): IClientOptions {
  return {
    protocolVersion: 4,
    ...(config.mqttUsername ? { username: config.mqttUsername } : {}),
    ...(config.mqttPassword ? { password: config.mqttPassword } : {}),
    ...(config.mqttCaFile ? { ca: fs.readFileSync(config.mqttCaFile) } : {}),
    rejectUnauthorized: true,
  };
}

/**
 * A door's messages are small and must go out at once (scan → lock ≤ 50 ms, issue 20): Nagle's
 * algorithm held each one about 40 ms. Turned off on every connection the client makes, since a
 * reconnect opens a new socket (the broker's side: set_tcp_nodelay, docs/operations.md).
 */
export function sendSmallMessagesAtOnce(client: MqttClient): void {
  const noDelay = () => (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  noDelay();
  client.on('connect', noDelay);
}
