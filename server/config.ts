// Runtime configuration, read once from the environment and validated.
// A setting that would weaken a clause (e.g. access-log retention under 3 months, E2.15)
// is refused at start with a clear message instead of being silently corrected.
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {}

const intFromEnv = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).optional(),
  PORT: intFromEnv(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  TZ_DISPLAY: z.string().min(1).default('Asia/Tokyo'),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  BADGE_SECRET: z.string().min(32, 'BADGE_SECRET must be at least 32 characters').optional(),
  PIN_PEPPER: z.string().min(32, 'PIN_PEPPER must be at least 32 characters').optional(),
  SIGNING_KEY: z.string().min(1).optional(),
  // During a key rotation (issue 19, item 6b; tachiai rotate-key): the next Ed25519 key, PEM or a file.
  SIGNING_KEY_NEXT: z.string().min(1).optional(),
  BACKUP_KEY: z.string().min(32, 'BACKUP_KEY must be at least 32 characters').optional(),
  // The daily backup (issue 17, E2.12): taken once a day at BACKUP_TIME (site time) by one of the
  // servers that have a BACKUP_DIR, keeping the newest BACKUP_KEEP scheduled files there.
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'BACKUP_TIME is a site time HH:MM, e.g. 02:00').default('02:00'),
  BACKUP_KEEP: intFromEnv(1, 3650).default(14),
  BACKUP_MEDIUM_LOCATION: z.string().min(1).max(200).optional(),
  // The embedded database's shared_buffers, most of its memory (issue 17, item 9; default in db/connection.ts).
  EMBEDDED_SHARED_BUFFERS: z.string().regex(/^\d{1,6}(kB|MB|GB)$/, 'EMBEDDED_SHARED_BUFFERS is a size such as 32MB').optional(),
  EMBEDDED_WASM: z.enum(['baseline', 'optimising']).optional(),
  // E2.15 asks 3 months; PCI DSS 10.5.1 asks 12, which is the default.
  ACCESS_LOG_RETENTION_MONTHS: intFromEnv(0, 1200).default(12),
  LOGIN_MAX_FAILURES: intFromEnv(1, 100).default(5),
  LOGIN_LOCK_MINUTES: intFromEnv(1, 24 * 60).default(15),
  // Per source address and minute (counted in the database across servers): sign-ins, PIN
  // changes, and the public certificate check.
  SIGNIN_RATE_PER_MINUTE: intFromEnv(1, 100_000).default(30),
  PUBLIC_RATE_PER_MINUTE: intFromEnv(1, 100_000).default(60),
  SESSION_IDLE_SECONDS: intFromEnv(30, 3600).default(300),
  PASSWORD_MAX_AGE_DAYS: intFromEnv(1, 3650).default(30),
  CHECKPOINT_INTERVAL_MINUTES: intFromEnv(0, 7 * 24 * 60).default(60),
  // The journal's Merkle tree (issue 19): a C2SP checkpoint at least this often while the journal
  // grows; the tree itself catches up every few seconds. 0 stops both on this server.
  TLOG_CHECKPOINT_SECONDS: intFromEnv(0, 24 * 3600).default(60),
  // Witnesses that cosign the checkpoints (c2sp.org/tlog-witness): "<URL prefix> <witness vkey>",
  // several separated by ";" or new lines. The URL prefix is the one before /add-checkpoint.
  WITNESSES: z
    .string()
    .regex(/^\s*(https?:\/\/\S+\s+[^\s+;]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\s*)([;\n]\s*https?:\/\/\S+\s+[^\s+;]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\s*)*[;\n]?\s*$/, 'WITNESSES is "<URL prefix> <witness vkey>", several separated by ";", e.g. "https://witness.example/w1 witness.example/w1+1a2b3c4d+BA…"')
    .optional(),
  CORS_ORIGIN: z.string().min(1).optional(),
  TRUST_PROXY: z.string().min(1).optional(),
  // The address people reach the site at, for the QR code on printed certificates (public check).
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  // The site's short, stable name (fixed on first start) and its display names.
  SITE_ID: z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'SITE_ID is 3 to 32 lower-case letters, digits and -, e.g. tokyo-dc1').optional(),
  SITE_NAME_JA: z.string().trim().min(1).max(100).optional(),
  SITE_NAME_EN: z.string().trim().min(1).max(100).optional(),
  // Notices by e-mail (issue 15): without SMTP_URL they wait in the outbox, listed, and none is lost.
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'SMTP_URL is smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or smtps://… (TLS from the start)').optional(),
  MAIL_FROM: z.string().trim().min(3).max(200).refine((s) => !/[\r\n]/.test(s), 'one line').optional(),
  NOTICE_MAX_ATTEMPTS: intFromEnv(1, 50).default(8),
  NOTICE_RETRY_SECONDS: intFromEnv(1, 24 * 3600).default(60),
  NOTICE_POLL_MS: intFromEnv(50, 600_000).default(5000),
  SMTP_TIMEOUT_SECONDS: intFromEnv(1, 600).default(30),
  // The weekly access review (E4.2): working hours (sign-ins outside them are listed), e.g.
  // "1-5 08:00-20:00" (ISO weekdays, Monday 1); a stay longer than this many hours; one badge at
  // two rooms within this many minutes.
  WORKING_HOURS: z.string().regex(/^[1-7](-[1-7]|(,[1-7])*) ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'WORKING_HOURS is days and hours, e.g. "1-5 08:00-20:00" or "1,2,3,4,5,6 07:00-22:00"').default('1-5 08:00-20:00'),
  REVIEW_LONG_STAY_HOURS: intFromEnv(1, 168).default(12),
  ATTESTATION_VALID_MONTHS: intFromEnv(1, 36).default(12),
  REVIEW_BADGE_HOP_MINUTES: intFromEnv(1, 120).default(5),
  SCRYPT_COST: intFromEnv(1024, 1 << 20).default(1 << 15),
  // GET /metrics (issue 17): with a token on the main address, or on a separate address only.
  METRICS_TOKEN: z.string().regex(/^[\x21-\x7e]{24,512}$/, 'METRICS_TOKEN is 24 to 512 printable ASCII characters without spaces (e.g. openssl rand -hex 32)').optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_PORT: intFromEnv(1, 65535).optional(),
  // Doors that lock (issue 20): the MQTT broker the door controllers speak to. Without MQTT_URL
  // no server connects and scans are recorded at the desk only.
  MQTT_URL: z.string().regex(/^mqtts?:\/\/[^\s/]+(:\d+)?\/?$/, 'MQTT_URL is mqtt://host[:port] or mqtts://host[:port] (TLS)').optional(),
  MQTT_USERNAME: z.string().min(1).max(200).optional(),
  MQTT_PASSWORD: z.string().min(1).max(500).optional(),
  // This server's MQTT client id: stable across restarts (its persistent session), different on every server.
  // Tachiai manages each controller's broker account and ACL through Mosquitto's dynamic-security
  // plugin (MQTT_USERNAME must be a dynsec administrator); false: the accounts are made by hand.
  // mqtts://: the CA that signed the broker's certificate (PEM file), when it is not a public one.
  MQTT_CA_FILE: z.string().min(1).optional(),
  MQTT_DYNSEC: z.enum(['true', 'false']).default('false'),
  MQTT_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'MQTT_CLIENT_ID is 1 to 64 letters, digits, ".", "_" or "-"').optional(),
  // A reader's scan older than this when it reaches a server is recorded but never unlocks.
  DOOR_SCAN_MAX_AGE_SECONDS: intFromEnv(1, 300).default(5),
  DOOR_UNLOCK_MS: intFromEnv(500, 60_000).default(5000),
  // How long an unlock command stays valid at the controller after the decision.
  DOOR_COMMAND_TTL_SECONDS: intFromEnv(1, 120).default(10),
  // Door alarms (issue 20, E6.4): a controller whose last heartbeat is older than this is offline.
  DOOR_OFFLINE_SECONDS: intFromEnv(5, 3600).default(30),
  // The contact opening within this many seconds of a granted scan or a request-to-exit is no forced door.
  DOOR_FORCED_GRACE_SECONDS: intFromEnv(1, 120).default(10),
  // Repeated denials: this many denied scans at one door within DOOR_DENIALS_MINUTES raise an alarm.
  DOOR_DENIALS_LIMIT: intFromEnv(2, 100).default(5),
  DOOR_DENIALS_MINUTES: intFromEnv(1, 1440).default(2),
  // How often every server looks for doors held open or offline (milliseconds).
  DOOR_ALARM_CHECK_MS: intFromEnv(200, 60_000).default(1000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  displayTimeZone: string;
  jwtSecret: string | undefined;
  badgeSecret: string | undefined;
  pinPepper: string | undefined;
  /** Ed25519 private key as PEM, or the path of a PEM file. */
  signingKey: string | undefined;
  /** The next signing key during a rotation (PEM or a file path); else DATA_DIR/secrets/signing-key.next.pem when present. */
  signingKeyNext?: string | undefined;
  /** Seals backups (issue 17): chunked AES-256-GCM under a key derived from it. */
  backupKey: string | undefined;
  /** Where this server writes the daily backup; unset: it never takes one. */
  backupDir: string | undefined;
  /** Site time (HH:MM) of the daily backup. */
  backupTime: string;
  /** How many scheduled backups stay in BACKUP_DIR. */
  backupKeep: number;
  /** Where the backup medium is kept (E2.13), recorded with each backup, e.g. "第2金庫". */
  backupMediumLocation: string | undefined;
  /** shared_buffers of the embedded database (undefined: the default of db/connection.ts). */
  embeddedSharedBuffers: string | undefined;
  /** How the embedded database's WebAssembly is compiled (undefined: the default of db/connection.ts). */
  embeddedWasm: 'baseline' | 'optimising' | undefined;
  accessLogRetentionMonths: number;
  loginMaxFailures: number;
  loginLockMinutes: number;
  signinRatePerMinute: number;
  publicRatePerMinute: number;
  sessionIdleSeconds: number;
  passwordMaxAgeDays: number;
  checkpointIntervalMinutes: number;
  /** A C2SP checkpoint of the journal's tree at least this often while it grows (issue 19); 0: no tree worker on this server. */
  tlogCheckpointSeconds: number;
  /** Witnesses that cosign the checkpoints (issue 19): their add-checkpoint URL prefix and vkey. */
  witnesses: Array<{ url: string; vkey: string }>;
  corsOrigin: string | undefined;
  trustProxy: string | undefined;
  /** Base URL printed in certificate QR codes; no QR code without it. */
  publicUrl: string | undefined;
  siteId: string | undefined;
  siteNameJa: string | undefined;
  siteNameEn: string | undefined;
  /** The site's working hours (ISO weekdays and a time range), for the weekly review. */
  workingHours: { days: number[]; from: string; to: string };
  reviewLongStayHours: number;
  /** How long a manual attestation of a clause (the compliance view, issue 18) stays valid. */
  attestationValidMonths: number;
  reviewBadgeHopMinutes: number;
  /** smtp://… or smtps://…; unset: notices wait in the outbox. Never logged (it may hold a password). */
  smtpUrl: string | undefined;
  /** The From of notices, e.g. "Tachiai 東京DC <tachiai@example.co.jp>". */
  mailFrom: string | undefined;
  noticeMaxAttempts: number;
  /** The first retry's wait; each later one doubles it (at most a day). */
  noticeRetrySeconds: number;
  noticePollMs: number;
  smtpTimeoutSeconds: number;
  scryptCost: number;
  /** Bearer token of GET /metrics; without it (and without METRICS_PORT) /metrics is 404. Never logged. */
  metricsToken: string | undefined;
  /** A separate listen address for /metrics only (METRICS_HOST defaults to 127.0.0.1). */
  metricsHost: string;
  metricsPort: number | undefined;
  /** mqtt://… or mqtts://… of the door controllers' broker; unset: no door controllers (issue 20). */
  mqttUrl: string | undefined;
  mqttUsername: string | undefined;
  /** Never logged. */
  mqttPassword: string | undefined;
  /** This server's MQTT client id (its persistent session); default tachiai-<host name>-<PORT>. */
  mqttClientId: string | undefined;
  /** PEM file of the CA of the broker's TLS certificate (mqtts://). */
  mqttCaFile: string | undefined;
  /** Controllers' broker accounts are made and disabled through the dynamic-security plugin. */
  mqttDynsec: boolean;
  doorScanMaxAgeSeconds: number;
  doorUnlockMs: number;
  doorCommandTtlSeconds: number;
  doorOfflineSeconds: number;
  doorForcedGraceSeconds: number;
  doorDenialsLimit: number;
  doorDenialsMinutes: number;
  doorAlarmCheckMs: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

/** E2.15: access records are kept at least three months. */
export const MIN_ACCESS_LOG_RETENTION_MONTHS = 3;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.SCRYPT_COST & (e.SCRYPT_COST - 1)) {
    throw new ConfigError('SCRYPT_COST must be a power of two');
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: e.TZ_DISPLAY });
  } catch {
    throw new ConfigError(`TZ_DISPLAY "${e.TZ_DISPLAY}" is not a known IANA time zone`);
  }
  const config: Config = {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR ?? 'data'),
    port: e.PORT,
    host: e.HOST,
    displayTimeZone: e.TZ_DISPLAY,
    jwtSecret: e.JWT_SECRET,
    badgeSecret: e.BADGE_SECRET,
    pinPepper: e.PIN_PEPPER,
    signingKey: e.SIGNING_KEY,
    signingKeyNext: e.SIGNING_KEY_NEXT,
    backupKey: e.BACKUP_KEY,
    backupDir: e.BACKUP_DIR,
    backupTime: e.BACKUP_TIME,
    backupKeep: e.BACKUP_KEEP,
    backupMediumLocation: e.BACKUP_MEDIUM_LOCATION,
    embeddedSharedBuffers: e.EMBEDDED_SHARED_BUFFERS,
    embeddedWasm: e.EMBEDDED_WASM,
    accessLogRetentionMonths: e.ACCESS_LOG_RETENTION_MONTHS,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockMinutes: e.LOGIN_LOCK_MINUTES,
    signinRatePerMinute: e.SIGNIN_RATE_PER_MINUTE,
    publicRatePerMinute: e.PUBLIC_RATE_PER_MINUTE,
    sessionIdleSeconds: e.SESSION_IDLE_SECONDS,
    passwordMaxAgeDays: e.PASSWORD_MAX_AGE_DAYS,
    checkpointIntervalMinutes: e.CHECKPOINT_INTERVAL_MINUTES,
    tlogCheckpointSeconds: e.TLOG_CHECKPOINT_SECONDS,
    witnesses: parseWitnesses(e.WITNESSES),
    corsOrigin: e.CORS_ORIGIN,
    trustProxy: e.TRUST_PROXY,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    siteId: e.SITE_ID,
    siteNameJa: e.SITE_NAME_JA,
    siteNameEn: e.SITE_NAME_EN,
    workingHours: parseWorkingHours(e.WORKING_HOURS),
    reviewLongStayHours: e.REVIEW_LONG_STAY_HOURS,
    attestationValidMonths: e.ATTESTATION_VALID_MONTHS,
    reviewBadgeHopMinutes: e.REVIEW_BADGE_HOP_MINUTES,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    noticeMaxAttempts: e.NOTICE_MAX_ATTEMPTS,
    noticeRetrySeconds: e.NOTICE_RETRY_SECONDS,
    noticePollMs: e.NOTICE_POLL_MS,
    smtpTimeoutSeconds: e.SMTP_TIMEOUT_SECONDS,
    scryptCost: e.SCRYPT_COST,
    metricsToken: e.METRICS_TOKEN,
    metricsHost: e.METRICS_HOST,
    metricsPort: e.METRICS_PORT,
    mqttUrl: e.MQTT_URL,
    mqttUsername: e.MQTT_USERNAME,
    mqttPassword: e.MQTT_PASSWORD,
    mqttClientId: e.MQTT_CLIENT_ID,
    mqttDynsec: e.MQTT_DYNSEC === 'true',
    mqttCaFile: e.MQTT_CA_FILE,
    doorScanMaxAgeSeconds: e.DOOR_SCAN_MAX_AGE_SECONDS,
    doorUnlockMs: e.DOOR_UNLOCK_MS,
    doorCommandTtlSeconds: e.DOOR_COMMAND_TTL_SECONDS,
    doorOfflineSeconds: e.DOOR_OFFLINE_SECONDS,
    doorForcedGraceSeconds: e.DOOR_FORCED_GRACE_SECONDS,
    doorDenialsLimit: e.DOOR_DENIALS_LIMIT,
    doorDenialsMinutes: e.DOOR_DENIALS_MINUTES,
    doorAlarmCheckMs: e.DOOR_ALARM_CHECK_MS,
    logLevel: e.LOG_LEVEL,
    ...overrides,
  };
  validateConfig(config);
  return config;
}

/** WITNESSES → [{ url, vkey }] (the format is checked by the schema; the vkeys when the client starts). */
export function parseWitnesses(value: string | undefined): Array<{ url: string; vkey: string }> {
  if (!value) return [];
  return value
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [url, vkey] = part.split(/\s+/) as [string, string];
      return { url: url.replace(/\/+$/, ''), vkey };
    });
}

/** "1-5 08:00-20:00" → { days: [1..5], from: '08:00', to: '20:00' } (the format is checked by the schema). */
export function parseWorkingHours(value: string): { days: number[]; from: string; to: string } {
  const [days, hours] = value.split(' ') as [string, string];
  const [from, to] = hours.split('-') as [string, string];
  const range = /^(\d)-(\d)$/.exec(days);
  const list = range ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i) : days.split(',').map(Number);
  return { days: [...new Set(list)].sort(), from, to };
}

export function validateConfig(config: Config): void {
  if (config.workingHours.days.length === 0 || config.workingHours.from >= config.workingHours.to) {
    throw new ConfigError('WORKING_HOURS needs at least one day and a time range that ends after it begins, e.g. "1-5 08:00-20:00".');
  }
  if (config.metricsPort !== undefined && config.metricsPort === config.port) {
    throw new ConfigError(`METRICS_PORT=${config.metricsPort} is the API's own PORT: choose another port for the metrics, or leave METRICS_PORT unset and use METRICS_TOKEN.`);
  }
  if (config.mqttCaFile && !config.mqttUrl?.startsWith('mqtts://')) {
    throw new ConfigError('MQTT_CA_FILE is for a TLS broker: MQTT_URL must then be mqtts://host:port.');
  }
  if (config.mqttDynsec && (!config.mqttUrl || !config.mqttUsername)) {
    throw new ConfigError('MQTT_DYNSEC=true needs MQTT_URL and MQTT_USERNAME (an administrator of the broker\'s dynamic-security plugin).');
  }
  if (config.smtpUrl && !config.mailFrom) {
    throw new ConfigError('SMTP_URL is set but MAIL_FROM is not: notices need a sender address, e.g. MAIL_FROM="Tachiai <tachiai@example.co.jp>".');
  }
  if (config.accessLogRetentionMonths < MIN_ACCESS_LOG_RETENTION_MONTHS) {
    throw new ConfigError(
      `ACCESS_LOG_RETENTION_MONTHS=${config.accessLogRetentionMonths} is refused: ` +
        `access records must be kept at least ${MIN_ACCESS_LOG_RETENTION_MONTHS} months (clause E2.15).`,
    );
  }
}
