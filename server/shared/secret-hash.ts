// One-way, memory-hard hashing of passwords and PINs (E2.16): scrypt from node:crypto with a
// per-secret random salt. The parameters are stored with the hash, so the cost can be raised
// later without invalidating existing hashes.
//
// Every scrypt runs through one gate per process (security review, finding 5): scrypt runs on
// Node's small worker pool, which also reads static files and resolves names; 120 concurrent
// sign-ins filled it and made everything else wait seconds. The gate lets a few hashes run at
// once and queues the rest by priority — a source address with many recent failures waits
// behind everyone else — so a flood of bad sign-ins delays only itself.
import crypto from 'node:crypto';
import os from 'node:os';
import { promisify } from 'node:util';
import { TooManyRequestsError } from '../errors.js';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;

function maxmem(cost: number): number {
  return 128 * cost * BLOCK_SIZE * 2 + 1024 * 1024;
}

// ---------------------------------------------------------------- the gate

interface Waiter {
  priority: number;
  order: number;
  start: () => void;
}

/**
 * At most `limit` hashes at once; the others wait, lowest priority number first. Within a
 * priority, in order of arrival while the queue is short; newest first once it is long
 * (adaptive LIFO): in a burst, a request that just arrived is answered before the backlog, whose
 * clients have mostly given up or are the burst itself. More than `maxWaiting` waiting: refused
 * at once with 429, so memory stays bounded.
 */
export class HashGate {
  private running = 0;
  private order = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(priority: number, work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) throw new TooManyRequestsError('The server is busy checking other sign-ins. Try again in a moment.', 2);
      await new Promise<void>((start) => {
        const waiter = { priority, order: this.order++, start };
        // Sorted insert (the queue is bounded by maxWaiting): after the waiters of the same
        // priority while the queue is short, before them once it is long.
        const lifo = this.waiting.length >= LIFO_AFTER;
        let i = this.waiting.length;
        while (i > 0 && (this.waiting[i - 1]!.priority > priority || (lifo && this.waiting[i - 1]!.priority === priority))) i--;
        this.waiting.splice(i, 0, waiter);
      });
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start(); // the slot passes on: `running` stays the same
      else this.running--;
    }
  }
}

/** Queue length from which the newest waiter of a priority goes first. */
const LIFO_AFTER = 8;

// Half the CPUs (at least one): the event loop, which answers the door and serves files, keeps a
// core, and Node's other worker threads (4 by default) stay free for files and DNS. Measured in
// docs/performance.md ("Sign-in flood").
const gate = new HashGate(Math.max(1, Math.floor(os.availableParallelism() / 2)), 400);

/** The process's gate (for its metrics and the tests). */
export const hashGate = gate;

/** How urgent a hash is: 0 for ordinary work; higher for sources with recent failures (they wait). */
export interface HashOptions {
  priority?: number;
}

export async function hashSecret(secret: string, cost: number, options: HashOptions = {}): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await gate.run(options.priority ?? 0, () => scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, { N: cost, r: BLOCK_SIZE, p: PARALLELISM, maxmem: maxmem(cost) }));
  return `scrypt$${cost}$${BLOCK_SIZE}$${PARALLELISM}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string, options: HashOptions = {}): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltText, keyText] = parts as [string, string, string, string, string, string];
  const cost = Number(n);
  const expected = Buffer.from(keyText, 'base64url');
  const key = await gate.run(options.priority ?? 0, () =>
    scrypt(secret.normalize('NFC'), Buffer.from(saltText, 'base64url'), expected.length, {
      N: cost,
      r: Number(r),
      p: Number(p),
      maxmem: (maxmem(cost) * Number(r)) / BLOCK_SIZE,
    }),
  );
  return crypto.timingSafeEqual(key, expected);
}

// ---------------------------------------------------------------- PINs, keyed with a pepper

/**
 * PINs are keyed with the server's pepper before scrypt (security review, finding 7): the pepper
 * lives with the other secrets, never in the database or a backup, so a copy of either cannot
 * be used to try the million 6-digit PINs offline. Format: `pin1$` + the scrypt hash of
 * HMAC-SHA256(pepper, PIN). Hashes without the prefix are the PINs set before the pepper (kept
 * working; upgraded when next used).
 */
const PEPPERED = 'pin1$';

function pepperedPin(pin: string, pepper: Buffer): string {
  return crypto.createHmac('sha256', pepper).update(`tachiai-pin:${pin}`).digest('base64url');
}

export async function hashPin(pin: string, pepper: Buffer, cost: number): Promise<string> {
  return PEPPERED + (await hashSecret(pepperedPin(pin, pepper), cost));
}

/** `legacy`: the stored hash predates the pepper (re-hash it once the PIN is known to be right). */
export async function verifyPin(pin: string, stored: string, pepper: Buffer, options: HashOptions = {}): Promise<{ ok: boolean; legacy: boolean }> {
  if (stored.startsWith(PEPPERED)) return { ok: await verifySecret(pepperedPin(pin, pepper), stored.slice(PEPPERED.length), options), legacy: false };
  return { ok: await verifySecret(pin, stored, options), legacy: true };
}
