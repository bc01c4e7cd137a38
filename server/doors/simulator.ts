// A simulated door controller (issue 20; `npx tachiai door-sim`): a reader that publishes scans
// and a lock that obeys commands, speaking the protocol of protocol.ts — for trying the system
// without hardware, and for the tests.
//
// The lock checks every command as a real controller must: the door is its own, the MAC is right
// under its command key, the command has not expired, and its nonce was not seen before. A forged,
// late or replayed command is refused, and the door stays locked. A controller that cannot reach
// the server or the broker gets no command, so it stays locked too (exit by the mechanical handle
// is always possible; docs/operations.md).
import crypto from 'node:crypto';
import readline from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { sendSmallMessagesAtOnce } from './connection.js';
import { commandMacValid, commandMessage, doorTopic, parseJsonMessage, type MessageKind } from './protocol.js';

export type Verdict =
  | { kind: 'unlocked'; scan: string; durationMs: number }
  | { kind: 'stays_locked'; scan: string; reason: string }
  | { kind: 'released'; scan: string }
  | { kind: 'restored'; scan: string }
  | { kind: 'refused'; why: 'malformed' | 'wrong_door' | 'forged' | 'late' | 'replayed'; scan?: string };

/** The lock's side: checks each command and keeps the nonces it obeyed until they expire. */
export class DoorLock {
  private readonly seen = new Map<string, number>();
  /** Until when the lock is released (ms since the epoch); 0: locked. */
  unlockedUntil = 0;
  /** Released by a fire alarm: unlocked until a `restore` command. */
  released = false;

  constructor(
    readonly doorId: string,
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  isUnlocked(): boolean {
    return this.released || this.now() < this.unlockedUntil;
  }

  check(payload: Buffer): Verdict {
    const parsed = parseJsonMessage(payload);
    const command = parsed.ok ? commandMessage.safeParse(parsed.value) : null;
    if (!command?.success) return { kind: 'refused', why: 'malformed' };
    const c = command.data;
    if (c.door !== this.doorId) return { kind: 'refused', why: 'wrong_door', scan: c.scan };
    if (!commandMacValid(this.key, c)) return { kind: 'refused', why: 'forged', scan: c.scan };
    const now = this.now();
    const expires = Date.parse(c.expiresAt);
    if (!(expires > now)) return { kind: 'refused', why: 'late', scan: c.scan };
    for (const [nonce, until] of this.seen) if (until <= now) this.seen.delete(nonce);
    if (this.seen.has(c.nonce)) return { kind: 'refused', why: 'replayed', scan: c.scan };
    this.seen.set(c.nonce, expires);
    if (c.action === 'release') {
      this.released = true;
      return { kind: 'released', scan: c.scan };
    }
    if (c.action === 'restore') {
      this.released = false;
      return { kind: 'restored', scan: c.scan };
    }
    if (c.action === 'unlock' && c.decision === 'granted') {
      this.unlockedUntil = now + c.durationMs;
      return { kind: 'unlocked', scan: c.scan, durationMs: c.durationMs };
    }
    return { kind: 'stays_locked', scan: c.scan, reason: c.reason ?? 'denied' };
  }
}

export function describeVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'unlocked':
      return `UNLOCKED for ${v.durationMs} ms`;
    case 'stays_locked':
      return `stays locked: ${v.reason}`;
    case 'released':
      return 'RELEASED (fire alarm): unlocked until restored';
    case 'restored':
      return 'restored: locked again';
    case 'refused':
      return `command REFUSED (${v.why}): stays locked`;
  }
}

export interface DoorSimOptions {
  url: string;
  site: string;
  door: string;
  /** The command key, base64url as registration showed it. */
  key: string;
  username?: string | undefined;
  password?: string | undefined;
  /** mqtts://: the CA of the broker's certificate (PEM), when it is not a public one. */
  ca?: Buffer | undefined;
  now?: () => number;
  /** How often a heartbeat is published (ms); 0: none (default 10 000, a third of DOOR_OFFLINE_SECONDS' default). */
  heartbeatMs?: number | undefined;
}

export interface DoorSim {
  lock: DoorLock;
  client: MqttClient;
  verdicts: Verdict[];
  /** Publishes a scan (QoS 1); answers its message id. */
  scan(presented: string, options?: { id?: string; direction?: 'in' | 'out'; at?: Date }): Promise<string>;
  /** Publishes any payload on one of the door's topics (tests: malformed messages, resends). */
  publish(kind: MessageKind, payload: string | Buffer): Promise<void>;
  /** The door contact as the simulator last reported it. */
  contact(): 'open' | 'closed';
  /** Opens or closes the door contact and publishes the state (lock as it is now). */
  setContact(contact: 'open' | 'closed'): Promise<void>;
  /** Presses the request-to-exit button: publishes a state with rex true, then rex false. */
  pressExit(): Promise<void>;
  /** Publishes a heartbeat now. */
  heartbeat(): Promise<void>;
  /** Stops (or restarts) the periodic heartbeats: a controller that went quiet. */
  pauseHeartbeats(paused: boolean): void;
  /** The first verdict on the command answering this scan, waiting for it. */
  verdictFor(scanId: string, timeoutMs?: number): Promise<Verdict>;
  close(): Promise<void>;
}

export async function startDoorSim(options: DoorSimOptions, onVerdict: (v: Verdict) => void = () => undefined): Promise<DoorSim> {
  const key = Buffer.from(options.key, 'base64url');
  if (key.length !== 32) throw new Error('--key is the command key shown at registration (base64url of 32 bytes)');
  const lock = new DoorLock(options.door, key, options.now);
  const client = await mqtt.connectAsync(options.url, {
    clientId: `door-sim-${options.door.slice(0, 8)}-${crypto.randomBytes(3).toString('hex')}`,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
    rejectUnauthorized: true,
  });
  // A reader's scan goes out at once, as a real controller's should (no Nagle delay).
  sendSmallMessagesAtOnce(client);
  const verdicts: Verdict[] = [];
  const waiting = new Set<() => void>();
  const commandTopic = doorTopic(options.site, options.door, 'command');
  client.on('message', (topic, payload) => {
    if (topic !== commandTopic) return;
    const v = lock.check(payload);
    verdicts.push(v);
    onVerdict(v);
    for (const w of waiting) w();
  });
  await client.subscribeAsync(commandTopic, { qos: 1 });
  const publish = async (kind: MessageKind, payload: string | Buffer) => {
    await client.publishAsync(doorTopic(options.site, options.door, kind), payload, { qos: 1 });
  };
  const nowIso = () => new Date(options.now?.() ?? Date.now()).toISOString();
  // The state message's time orders them at the server: two in the same millisecond would be one.
  let lastStateMs = 0;
  const stateAt = () => {
    const t = Math.max(options.now?.() ?? Date.now(), lastStateMs + 1);
    lastStateMs = t;
    return new Date(t).toISOString();
  };
  let contact: 'open' | 'closed' = 'closed';
  const publishState = (rex: boolean) => publish('state', JSON.stringify({ at: stateAt(), contact, lock: lock.isUnlocked() ? 'unlocked' : 'locked', rex }));
  const heartbeat = () => publish('heartbeat', JSON.stringify({ at: nowIso() }));
  let paused = false;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const timer = heartbeatMs > 0 ? setInterval(() => void (paused ? undefined : heartbeat().catch(() => undefined)), heartbeatMs) : null;
  timer?.unref();
  if (heartbeatMs > 0) await heartbeat();
  return {
    lock,
    client,
    verdicts,
    publish,
    contact: () => contact,
    async setContact(c) {
      contact = c;
      await publishState(false);
    },
    async pressExit() {
      await publishState(true);
      await publishState(false);
    },
    heartbeat,
    pauseHeartbeats(p) {
      paused = p;
    },
    async scan(presented, o = {}) {
      const id = o.id ?? crypto.randomUUID();
      await publish('scan', JSON.stringify({ id, presented, ...(o.direction ? { direction: o.direction } : {}), at: (o.at ?? new Date(options.now?.() ?? Date.now())).toISOString() }));
      return id;
    },
    verdictFor(scanId, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const found = verdicts.find((v) => v.scan === scanId);
          if (!found) return false;
          waiting.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const check = () => void look();
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no command for scan ${scanId} within ${timeoutMs} ms`));
        }, timeoutMs);
        if (!look()) waiting.add(check);
      });
    },
    async close() {
      if (timer) clearInterval(timer);
      await client.endAsync();
    },
  };
}

/**
 * `tachiai door-sim`: badge values from stdin, one per line (an optional "in " or "out " before
 * the value gives the direction); prints each command's verdict. Three words drive the door
 * itself: `open` and `close` (the door contact) and `exit` (the request-to-exit button). A
 * heartbeat goes out every 10 s. Ends at the end of stdin, after waiting `settleMs` for the last answers.
 */
export async function runDoorSim(options: DoorSimOptions, input: NodeJS.ReadableStream, out: (line: string) => void, settleMs = 2000): Promise<void> {
  const sim = await startDoorSim(options, (v) => out(describeVerdict(v)));
  out(`door ${options.door}: connected to ${options.url.replace(/\/\/[^@/]*@/, '//')}; one badge value per line`);
  try {
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    for await (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      if (line === 'open' || line === 'close') {
        await sim.setContact(line === 'open' ? 'open' : 'closed');
        out(`door contact ${line === 'open' ? 'OPEN' : 'closed'} (lock ${sim.lock.isUnlocked() ? 'unlocked' : 'locked'})`);
        continue;
      }
      if (line === 'exit') {
        await sim.pressExit();
        out('request-to-exit pressed');
        continue;
      }
      const m = /^(in|out)\s+(.+)$/.exec(line);
      const id = await sim.scan(m ? m[2]! : line, m ? { direction: m[1] as 'in' | 'out' } : {});
      out(`scan ${id} sent`);
    }
    await new Promise((r) => setTimeout(r, settleMs));
  } finally {
    await sim.close();
  }
}
