// The tamper-evident journal: canonical payloads, append-only triggers, chaining under
// concurrent writers (two "servers" on one database), verification naming the first bad entry,
// and signed checkpoints that survive a full re-chaining by an attacker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import request from 'supertest';
import { canonicalJson } from '../../server/journal/canonical.js';
import { appendJournal, entryHash, GENESIS_HASH, journalHead, MAIN_CHAIN } from '../../server/journal/journal.js';
import { verifyJournal } from '../../server/journal/verify.js';
import crypto from 'node:crypto';
import { checkpointMessage, createCheckpoint } from '../../server/journal/checkpoints.js';
import { openSibling, openTestContext, usingPostgres, type TestContext } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Runs SQL with the append-only triggers bypassed, as a superuser attacker would. */
async function asSuperuser(knex: Knex, work: (trx: Knex.Transaction) => Promise<void>) {
  await knex.transaction(async (trx) => {
    await trx.raw('SET LOCAL session_replication_role = replica');
    await work(trx);
  });
}

async function appendMany(ctx: TestContext, n: number, prefix = 'e') {
  for (let i = 1; i <= n; i++) {
    await ctx.db.knex.transaction((trx) =>
      appendJournal(trx, { actor: 'test', action: 'test.event', subject: `thing:${prefix}${i}`, payload: { i, name: `項目${i}`, nested: { b: 2, a: 1 } } }),
    );
  }
}

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys, drops whitespace, writes -0 as 0 and keeps Unicode as is (keys in UTF-16 order)', () => {
    expect(canonicalJson({ b: 1, a: [true, null, -0, 1e21, 0.1], 日本: '語', '\u20ac': 'x' })).toBe('{"a":[true,null,0,1e+21,0.1],"b":1,"€":"x","日本":"語"}');
  });
  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
    expect(() => canonicalJson({ n: Infinity })).toThrow();
    expect(() => canonicalJson({ s: '\ud800' })).toThrow();
  });
});

describe('journal', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await openTestContext();
  });
  afterAll(async () => {
    await ctx?.dispose();
  });

  it('chains entries from the genesis hash and stores the exact canonical bytes that were hashed', async () => {
    await appendMany(ctx, 3, 'chain');
    const all = await ctx.db.knex('journal_entries').where({ chain: MAIN_CHAIN }).orderBy('seq');
    // The first entry is the site's creation, written when the context opens (server/system/site.ts).
    expect(all.map((r) => [Number(r.seq), r.action])).toEqual([[1, 'site.created'], [2, 'test.event'], [3, 'test.event'], [4, 'test.event']]);
    expect(all[0].prev_hash).toBe(GENESIS_HASH);
    const rows = all.slice(1);
    expect(rows[0].prev_hash).toBe(all[0].hash);
    expect(rows[1].prev_hash).toBe(rows[0].hash);
    expect(rows[0].payload).toBe('{"i":1,"name":"項目1","nested":{"a":1,"b":2}}');
    // Types are the same on both databases.
    expect(typeof rows[0].seq).toBe('string');
    expect(rows[0].at).toBeInstanceOf(Date);
    expect(rows[0].at.getTime() % 1).toBe(0);
    const recomputed = entryHash({ chain: rows[0].chain, seq: 2, at: rows[0].at, actor: rows[0].actor, action: rows[0].action, subject: rows[0].subject, payload: rows[0].payload, prevHash: rows[0].prev_hash });
    expect(recomputed).toBe(rows[0].hash);
    const result = await verifyJournal(ctx.db.knex, ctx.secrets.signing);
    expect(result).toMatchObject({ ok: true, entries: 4, headSeq: 4, head: rows[2].hash });
  });

  it('refuses to append outside a transaction (the lock would not be held)', async () => {
    await expect(appendJournal(ctx.db.knex, { actor: 't', action: 'a', subject: 's', payload: {} })).rejects.toThrow(/inside the transaction/);
  });

  it('an entry appended in a transaction that rolls back leaves no trace', async () => {
    const before = await journalHead(ctx.db.knex);
    await expect(
      ctx.db.knex.transaction(async (trx) => {
        await appendJournal(trx, { actor: 't', action: 'a', subject: 's', payload: { x: 1 } });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect(await journalHead(ctx.db.knex)).toEqual(before);
  });

  it.each([
    ['UPDATE', (k: Knex) => k('journal_entries').update({ actor: 'mallory' })],
    ['DELETE', (k: Knex) => k('journal_entries').delete()],
    ['TRUNCATE', (k: Knex) => k.raw('TRUNCATE journal_entries')],
    ['UPDATE of a checkpoint', (k: Knex) => k('journal_checkpoints').update({ signature: 'x' })],
    ['TRUNCATE of checkpoints', (k: Knex) => k.raw('TRUNCATE journal_checkpoints')],
  ])('the database itself refuses %s', async (_name, attempt) => {
    await createCheckpoint(ctx.db.knex, ctx.secrets.signing);
    await expect(attempt(ctx.db.knex)).rejects.toThrow(/append-only/);
    expect((await verifyJournal(ctx.db.knex, ctx.secrets.signing)).ok).toBe(true);
  });
});

describe('verification finds tampering by a superuser (triggers disabled)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await openTestContext();
  });
  afterAll(async () => {
    await ctx?.dispose();
  });

  const fresh = async () => {
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_checkpoints').delete();
      await trx('journal_entries').delete();
    });
    await appendMany(ctx, 8);
  };

  it('a changed payload fails at that entry', async () => {
    await fresh();
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_entries').where({ seq: 5 }).update({ payload: '{"i":5,"name":"改ざん","nested":{"a":1,"b":2}}' });
    });
    const result = await verifyJournal(ctx.db.knex, ctx.secrets.signing);
    expect(result).toMatchObject({ ok: false, entries: 4, firstBadEntry: { seq: 5, reason: 'hash_mismatch' } });
  });

  it('a payload rewritten to a non-canonical but equal form fails at that entry', async () => {
    await fresh();
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_entries').where({ seq: 2 }).update({ payload: '{"name":"項目2","i":2,"nested":{"a":1,"b":2}}' });
    });
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing)).toMatchObject({ ok: false, firstBadEntry: { seq: 2, reason: 'not_canonical' } });
  });

  it('a deleted middle entry fails at the missing sequence number', async () => {
    await fresh();
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_entries').where({ seq: 4 }).delete();
    });
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing)).toMatchObject({ ok: false, entries: 3, firstBadEntry: { seq: 4, reason: 'missing_entry' } });
  });

  it('two swapped entries fail at the first of them', async () => {
    await fresh();
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_entries').where({ seq: 3 }).update({ seq: -3 });
      await trx('journal_entries').where({ seq: 6 }).update({ seq: 3 });
      await trx('journal_entries').where({ seq: -3 }).update({ seq: 6 });
    });
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing)).toMatchObject({ ok: false, entries: 2, firstBadEntry: { seq: 3 } });
  });

  it('a changed time fails at that entry', async () => {
    await fresh();
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_entries').where({ seq: 7 }).update({ at: trx.raw("at - interval '1 hour'") });
    });
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing)).toMatchObject({ ok: false, firstBadEntry: { seq: 7, reason: 'hash_mismatch' } });
  });

  it('a full re-chaining after a change passes the hash walk but not the signed checkpoint', async () => {
    await fresh();
    const cp = await createCheckpoint(ctx.db.knex, ctx.secrets.signing);
    expect(cp).not.toBeNull();
    // The attacker changes entry 2 and recomputes every hash after it.
    await asSuperuser(ctx.db.knex, async (trx) => {
      const rows = await trx('journal_entries').orderBy('seq');
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const payload = Number(row.seq) === 2 ? '{"i":2,"name":"書き換え","nested":{"a":1,"b":2}}' : row.payload;
        const hash = entryHash({ chain: row.chain, seq: Number(row.seq), at: row.at, actor: row.actor, action: row.action, subject: row.subject, payload, prevHash: prev });
        await trx('journal_entries').where({ chain: row.chain, seq: row.seq }).update({ payload, prev_hash: prev, hash });
        prev = hash;
      }
    });
    const result = await verifyJournal(ctx.db.knex, ctx.secrets.signing);
    expect(result).toMatchObject({ ok: false, firstBadEntry: { seq: cp!.seq, reason: 'checkpoint_mismatch' } });
    // Without the checkpoint it would have gone unnoticed: that is why checkpoints exist.
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_checkpoints').delete();
    });
    expect((await verifyJournal(ctx.db.knex, ctx.secrets.signing)).ok).toBe(true);
  });

  it('entries removed from the end are caught by a checkpoint that covered them', async () => {
    await fresh();
    await createCheckpoint(ctx.db.knex, ctx.secrets.signing);
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_entries').where('seq', '>', 6).delete();
    });
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing)).toMatchObject({ ok: false, firstBadEntry: { seq: 7, reason: 'checkpoint_beyond_head' } });
  });

  it('a forged checkpoint signature is refused', async () => {
    await fresh();
    const cp = await createCheckpoint(ctx.db.knex, ctx.secrets.signing);
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_checkpoints').update({ signature: Buffer.alloc(64, 1).toString('base64') });
    });
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing)).toMatchObject({ ok: false, firstBadEntry: { seq: cp!.seq, reason: 'checkpoint_signature_invalid' } });
  });

  it('a checkpoint kept off the server proves the journal after the server copy was rewritten', async () => {
    await fresh();
    const exported = { ...(await createCheckpoint(ctx.db.knex, ctx.secrets.signing))!, publicKeyPem: ctx.secrets.signing.publicKeyPem };
    // The attacker deletes the stored checkpoints and re-chains the journal from entry 1.
    await asSuperuser(ctx.db.knex, async (trx) => {
      await trx('journal_checkpoints').delete();
      const rows = await trx('journal_entries').orderBy('seq');
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const actor = Number(row.seq) === 1 ? 'someone-else' : row.actor;
        const hash = entryHash({ chain: row.chain, seq: Number(row.seq), at: row.at, actor, action: row.action, subject: row.subject, payload: row.payload, prevHash: prev });
        await trx('journal_entries').where({ chain: row.chain, seq: row.seq }).update({ actor, prev_hash: prev, hash });
        prev = hash;
      }
    });
    expect((await verifyJournal(ctx.db.knex, ctx.secrets.signing)).ok).toBe(true);
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing, { external: { checkpoints: [exported], publicKey: ctx.secrets.signing.publicKey } })).toMatchObject({
      ok: false,
      firstBadEntry: { seq: exported.seq, reason: 'checkpoint_mismatch' },
    });
    // Review finding 6: re-signed by the attacker with the attacker's key inside the checkpoint: refused.
    const attacker = crypto.generateKeyPairSync('ed25519');
    const head = (await journalHead(ctx.db.knex))!;
    const forged = { ...exported, seq: head.seq, headHash: head.hash, publicKeyPem: attacker.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    forged.signature = crypto.sign(null, Buffer.from(checkpointMessage(forged), 'utf8'), attacker.privateKey).toString('base64');
    expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing, { external: { checkpoints: [forged], publicKey: ctx.secrets.signing.publicKey } })).toMatchObject({
      ok: false,
      firstBadEntry: { reason: 'checkpoint_signature_invalid' },
    });
  });
});

describe('concurrent writers', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await openTestContext();
  });
  afterAll(async () => {
    await ctx?.dispose();
  });

  it('60 concurrent transactions from two servers on one database form one unbroken chain', async () => {
    // Two independent pools on one PostgreSQL database behave like two servers behind a load
    // balancer. (PGlite has one connection; there the same test runs its transactions in turn.)
    const other = usingPostgres ? await openSibling(ctx) : ctx;
    try {
      const before = Number((await journalHead(ctx.db.knex))?.seq ?? 0);
      const writers = Array.from({ length: 60 }, (_, i) => (i % 2 ? other : ctx).db.knex.transaction(async (trx) => {
        // A little work inside the transaction widens the window a naive implementation forks in.
        await trx.raw('SELECT pg_sleep(0.002)');
        return appendJournal(trx, { actor: `writer-${i % 2}`, action: 'test.concurrent', subject: `n:${i}`, payload: { i } });
      }));
      const results = await Promise.all(writers);
      expect(results).toHaveLength(60);
      const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => before + i + 1));
      expect(await verifyJournal(ctx.db.knex, ctx.secrets.signing)).toMatchObject({ ok: true, entries: before + 60 });
    } finally {
      if (other !== ctx) await other.db.close();
    }
  });
});

describe('GET /api/journal/verify and checkpoints over HTTP', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('reports ok with entry count and head, then the first bad entry after tampering', async () => {
    const token = await s.adminToken();
    const ok = await request(s.url).get('/api/journal/verify').set('authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true });
    expect(ok.body.entries).toBeGreaterThan(3);
    expect(ok.body.head).toMatch(/^[0-9a-f]{64}$/);

    const signed = await request(s.url).post('/api/journal/checkpoints').set('authorization', `Bearer ${token}`);
    expect(signed.status).toBe(201);
    const key = await request(s.url).get('/api/signing-key');
    expect(key.body).toMatchObject({ algorithm: 'Ed25519', keyId: signed.body.keyId });
    const latest = await request(s.url).get('/api/journal/checkpoints/latest').set('authorization', `Bearer ${token}`);
    expect(latest.body).toMatchObject({ seq: signed.body.seq, headHash: signed.body.headHash, publicKeyPem: key.body.publicKeyPem });

    await asSuperuser(s.ctx.db.knex, async (trx) => {
      await trx('journal_entries').where({ seq: 2 }).update({ subject: 'person:someone-else' });
    });
    const bad = await request(s.url).get('/api/journal/verify').set('authorization', `Bearer ${token}`);
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ ok: false, firstBadEntry: { seq: 2, reason: 'hash_mismatch' } });
  });
});
