// A restore drill never signs or sends a checkpoint (issue 19, item 6; E9.2 drills): with
// WITNESSES and SMTP_URL configured, a real witness and a real SMTP server listening, and a backup
// whose journal has grown past its last checkpoint and whose outbox holds a queued notice,
// `tachiai restore-drill` restores and verifies it in a scratch database — and no checkpoint row is
// added to the live database, nothing reaches the witness, no mail is sent. (The same site's
// `tree checkpoint` does reach the witness: the configuration works.)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, freePort, newSite, run, tempDir, type Site } from '../helpers/cli.js';
import { usingPostgres } from '../helpers/db.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { loadConfig } from '../../server/config.js';
import { openContext } from '../../server/runtime.js';
import { appendJournal } from '../../server/journal/journal.js';
import { SIG_COSIGNATURE_V1, parseVkey, verifierFor } from '../../server/journal/note.js';
import { checkpointNow } from '../../server/journal/tlog-checkpoints.js';
import { Witness } from '../../server/journal/witness.js';
import { startWitnessServer, type RunningWitness } from '../../server/journal/witness-server.js';
import { enqueueNotices } from '../../server/notices/service.js';
import { siteOf } from '../../server/system/site.js';

/** A real witness that counts every request that reaches it. */
class CountingWitness extends Witness {
  requests = 0;
  override addCheckpoint(body: Buffer) {
    this.requests += 1;
    return super.addCheckpoint(body);
  }
}

const dir = tempDir('drill-quiet');
const witnessName = 'witness.example.jp/depositor';
const witnessKey = crypto.generateKeyPairSync('ed25519');
let site: Site;
let smtp: TestSmtp;
let witness: CountingWitness;
let running: RunningWitness;
let env: Record<string, string>;

beforeAll(async () => {
  smtp = await startTestSmtp();
  const port = await freePort();
  env = { WITNESSES: `http://127.0.0.1:${port} ${verifierFor(witnessName, witnessKey.publicKey, SIG_COSIGNATURE_V1).vkey}`, SMTP_URL: smtp.url, MAIL_FROM: 'Tachiai <tachiai@example.co.jp>' };
  site = await newSite(usingPostgres ? 'postgres' : 'embedded', 'drill-quiet');
  const key = await run(site, ['tree', 'key'], env);
  expect(key.code, key.stderr).toBe(0);
  const log = parseVkey(key.stdout.trim());
  witness = new CountingWitness({ name: witnessName, privateKey: witnessKey.privateKey, logs: new Map([[log.name, [log]]]), stateFile: path.join(dir, 'witness.json') });
  running = await startWitnessServer(witness, { host: '127.0.0.1', port });
}, 120_000);
afterAll(async () => {
  await running?.close();
  await smtp?.close();
});

describe('tachiai restore-drill with witnesses and SMTP configured', () => {
  it('signs no checkpoint, sends nothing to the witness, sends no mail', async () => {
    // The live site: cosigned once; then the journal grows past its last checkpoint, and a notice
    // waits in the outbox — what a server started on the restored copy would sign, send and mail.
    const ctx = await openContext(loadConfig(childEnv(site, env)));
    try {
      const origin = (await ctx.db.knex('site_settings').first('site_id')).site_id as string;
      const add = (tag: string) => ctx.db.knex.transaction((trx) => appendJournal(trx, { actor: 'test', action: 'test.event', subject: `d:${tag}`, payload: { tag } }));
      await add('a');
      expect((await checkpointNow(ctx, `tachiai/${origin}/journal`)).created).toBe(true);
      expect(witness.requests).toBe(1);
      await add('b');
      await add('c');
      await siteOf(ctx); // read once outside the transaction (one connection on the embedded database)
      await ctx.db.knex.transaction((trx) =>
        enqueueNotices(
          ctx,
          trx,
          { kind: 'alarm', facts: { siteName: { ja: '拠点', en: 'Site' }, witness: witnessName, at: '2026-12-06 12:00', message: 'test' } },
          [{ name: '預託 担当', email: 'contact@depositor.example.jp', lang: 'ja' }],
          { subject: 'test:drill', action: 'test.event' },
          'test',
        ),
      );
    } finally {
      await ctx.db.close();
    }
    const backupFile = path.join(dir, 'live.tbk');
    const b = await run(site, ['backup', '--out', backupFile], env);
    expect(b.code, b.stderr).toBe(0);

    const before = await live();
    const drill = await run(site, ['restore-drill', '--backup', backupFile], env);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
    expect(drill.stdout).toMatch(/^Drill passed: .* verified/m);
    // Anything the drill had set going would have had its time.
    await new Promise((r) => setTimeout(r, 1500));

    const after = await live();
    expect(after.checkpoints).toEqual(before.checkpoints);
    expect(after.witnesses).toEqual(before.witnesses);
    expect(after.notices).toEqual([{ status: 'queued', attempts: 0 }]);
    expect(after.drills).toBe(1);
    expect(witness.requests).toBe(1);
    expect(smtp.received).toEqual([]);
    expect(smtp.refused).toEqual([]);
    // The witness holds what the live site's checkpoint gave it, nothing more.
    expect(Object.values(witness.state()).map((s) => s.size)).toEqual([before.checkpoints.at(-1)!.tree_size].map(Number));
  }, 180_000);
});

/** What the live database holds of checkpoints, witnesses, notices and drills. */
async function live() {
  const ctx = await openContext(loadConfig(childEnv(site, env)), { migrate: false });
  try {
    const knex = ctx.db.knex;
    return {
      checkpoints: (await knex('journal_tlog_checkpoints').orderBy('id').select('id', 'origin', 'tree_size')) as Array<{ id: string; origin: string; tree_size: string }>,
      witnesses: await knex('journal_witnesses').orderBy('vkey').select('vkey', 'origin', 'size', 'status', 'checked_at'),
      notices: await knex('notices').select('status', 'attempts'),
      drills: (await knex('restore_drills').select('id')).length,
    };
  } finally {
    await ctx.db.close();
  }
}
