// The door settings (issue 20): defaults, and the combinations refused at start with a clear message.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

const load = (env: Record<string, string>) => loadConfig(env);

describe('door settings', () => {
  it('defaults: no broker, scans older than 5 s are late, 5 s unlock, commands valid 10 s, no dynsec', () => {
    expect(load({})).toMatchObject({ mqttUrl: undefined, mqttDynsec: false, doorScanMaxAgeSeconds: 5, doorUnlockMs: 5000, doorCommandTtlSeconds: 10, mqttCaFile: undefined });
    expect(load({ MQTT_URL: 'mqtts://broker.example:8883', MQTT_CA_FILE: '/etc/ca.pem', MQTT_USERNAME: 'tachiai', MQTT_DYNSEC: 'true', DOOR_SCAN_MAX_AGE_SECONDS: '3' })).toMatchObject({
      mqttUrl: 'mqtts://broker.example:8883',
      mqttDynsec: true,
      mqttCaFile: '/etc/ca.pem',
      doorScanMaxAgeSeconds: 3,
    });
  });

  it('refuses what cannot work, naming the setting', () => {
    expect(() => load({ MQTT_URL: 'http://broker:1883' })).toThrow(/MQTT_URL/);
    expect(() => load({ MQTT_URL: 'mqtt://broker:1883/x y' })).toThrow(ConfigError);
    expect(() => load({ MQTT_DYNSEC: 'true' })).toThrow(/MQTT_DYNSEC/);
    expect(() => load({ MQTT_DYNSEC: 'true', MQTT_URL: 'mqtt://b:1883' })).toThrow(/MQTT_USERNAME/);
    expect(() => load({ MQTT_DYNSEC: 'yes' })).toThrow(/MQTT_DYNSEC/);
    expect(() => load({ MQTT_URL: 'mqtt://b:1883', MQTT_CA_FILE: '/etc/ca.pem' })).toThrow(/mqtts/);
    expect(() => load({ DOOR_SCAN_MAX_AGE_SECONDS: '0' })).toThrow(/DOOR_SCAN_MAX_AGE_SECONDS/);
    expect(() => load({ DOOR_UNLOCK_MS: '100' })).toThrow(/DOOR_UNLOCK_MS/);
    expect(() => load({ MQTT_CLIENT_ID: 'has space' })).toThrow(/MQTT_CLIENT_ID/);
  });
});

describe('door alarm settings (issue 20, E6.4)', () => {
  it('defaults: offline after 30 s, a 10 s grace before a forced door, 5 denials in 2 minutes, checked every second', () => {
    expect(load({})).toMatchObject({ doorOfflineSeconds: 30, doorForcedGraceSeconds: 10, doorDenialsLimit: 5, doorDenialsMinutes: 2, doorAlarmCheckMs: 1000 });
    expect(load({ DOOR_OFFLINE_SECONDS: '60', DOOR_FORCED_GRACE_SECONDS: '5', DOOR_DENIALS_LIMIT: '3', DOOR_DENIALS_MINUTES: '10', DOOR_ALARM_CHECK_MS: '500' })).toMatchObject({
      doorOfflineSeconds: 60,
      doorForcedGraceSeconds: 5,
      doorDenialsLimit: 3,
      doorDenialsMinutes: 10,
      doorAlarmCheckMs: 500,
    });
  });

  it('refuses values that cannot work, naming the setting', () => {
    expect(() => load({ DOOR_OFFLINE_SECONDS: '1' })).toThrow(/DOOR_OFFLINE_SECONDS/);
    expect(() => load({ DOOR_FORCED_GRACE_SECONDS: '0' })).toThrow(/DOOR_FORCED_GRACE_SECONDS/);
    expect(() => load({ DOOR_DENIALS_LIMIT: '1' })).toThrow(/DOOR_DENIALS_LIMIT/);
    expect(() => load({ DOOR_DENIALS_MINUTES: 'two' })).toThrow(/DOOR_DENIALS_MINUTES/);
    expect(() => load({ DOOR_ALARM_CHECK_MS: '10' })).toThrow(/DOOR_ALARM_CHECK_MS/);
  });
});
