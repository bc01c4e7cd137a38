// The servers' connection options to the door controllers' broker (issue 20): their account, and
// for mqtts:// the CA of the broker's certificate (MQTT_CA_FILE; the certificate is always checked).
import fs from 'node:fs';
import type { IClientOptions } from 'mqtt';
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
