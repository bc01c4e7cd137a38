// The command line, as an operator uses it: `node scripts/tachiai.mjs <command>` in a child
// process, on the database kind of this run like every other test file: a fresh PostgreSQL
// database when DATABASE_URL is set, otherwise a temporary DATA_DIR with embedded PGlite (CI runs
// the suite both ways, so both are covered without doing the slow embedded half twice). The
// database is opened in-process only while no child runs (to tamper with the journal, or to
// compare a restore with its source).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import type { Database } from '../../db/connection.js';
import { checkpointMessage } from '../../server/journal/checkpoints.js';
import { openSealedFile, sealBytes } from '../../server/backup/sealed.js';
import { usingPostgres } from '../helpers/db.js';
import { backupKeyOf, children, ENTRY, freePort, headOf, newSite, openSite, PASSWORD, ROOT, run, serve, signIn, start, tempDir, childEnv, type Result, type Site } from '../helpers/cli.js';

// Every step starts one or more Node processes (each loads the sources through tsx and opens
// PGlite): generous limits, so a busy machine slows the suite down instead of failing it.
vi.setConfig({ testTimeout: 180_000 });

/** Row count and a digest of every row's text, per table (knex's bookkeeping excepted). */
async function fingerprint(db: Database): Promise<Record<string, { rows: number; md5: string }>> {
  const { rows: tables } = (await db.knex.raw(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_migrations%' ORDER BY tablename",
  )) as { rows: Array<{ tablename: string }> };
  const result: Record<string, { rows: number; md5: string }> = {};
  for (const { tablename } of tables) {
    const { rows } = (await db.knex.raw(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM "${tablename}" t`,
    )) as { rows: Array<{ n: number; md5: string }> };
    result[tablename] = { rows: rows[0]!.n, md5: rows[0]!.md5 };
  }
  return result;
}

const TRICKY_ORG = '株式会社テスト "引用" \\ back\\slash, {brace}\n改行 😀';
const TRICKY_ROLES = ['staff', 'with space', 'a,b', '"quoted"', '担当者', 'NULL'];

const targets: Array<'embedded' | 'postgres'> = usingPostgres ? ['postgres'] : ['embedded'];

describe.each(targets)('npx tachiai on %s', (kind) => {
  let site: Site;
  let admin: { personId: string; badgeToken: string; badgePin: string };
  let backupFile: string;
  let backupHead: { seq: number; hash: string };
  let restored: Site;

  it('migrate applies the migrations, and a second run says the database is up to date', async () => {
    site = await newSite(kind, 'main');
    const first = await run(site, ['migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied \d+ migration\(s\): 0001_foundation/m);
    const second = await run(site, ['migrate']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
  });

  it('create-admin prints personId, badgeToken and badgePin, and refuses a password that breaks the policy', async () => {
    const good = await run(site, ['create-admin', '--username', 'admin', '--password', PASSWORD, '--name', '管理 太郎']);
    expect(good.code, good.stderr).toBe(0);
    admin = JSON.parse(good.stdout) as typeof admin;
    expect(admin.personId).toMatch(/^[0-9a-f-]{36}$/);
    expect(admin.badgeToken).toMatch(/^tb1_/);
    expect(admin.badgePin).toMatch(/^\d{6}$/);

    const weak = await run(site, ['create-admin', '--username', 'yamada', '--password', 'yamada', '--name', '山田 花子']);
    expect(weak.code).toBe(1);
    expect(weak.stdout).toBe('');
    expect(weak.stderr).toMatch(/password policy/);
    expect(weak.stderr).toContain('Use at least 8 characters.');
    expect(weak.stderr).toContain('Do not use your user name in the password.');
    expect(weak.stderr).toContain('Include at least one digit or symbol');
    expect(weak.stderr.split('\n').filter((l) => l.startsWith('  - ')).length).toBeGreaterThanOrEqual(3);
  });

  it('verify exits 0 and prints the head; checkpoint exports a checkpoint that verify --checkpoint checks', async () => {
    const verified = await run(site, ['verify']);
    expect(verified.code, verified.stderr).toBe(0);
    const head = headOf(verified.stdout);
    expect(head.seq).toBeGreaterThan(0);

    const cp = await run(site, ['checkpoint']);
    expect(cp.code, cp.stderr).toBe(0);
    const checkpoint = JSON.parse(cp.stdout) as Record<string, unknown>;
    expect(checkpoint).toMatchObject({ chain: 'main', seq: head.seq, headHash: head.hash });
    expect(checkpoint.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);
    const file = path.join(tempDir('cp'), 'checkpoint.json');
    fs.writeFileSync(file, cp.stdout);

    // Review finding 6: the key comes separately (kept off the server), never from the file.
    const keyFile = path.join(tempDir('key'), 'signing-key.pem');
    fs.writeFileSync(keyFile, String(checkpoint.publicKeyPem));
    const noKey = await run(site, ['verify', '--checkpoint', file]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('--key');
    const withFile = await run(site, ['verify', '--checkpoint', file, '--key', keyFile]);
    expect(withFile.code, withFile.stdout + withFile.stderr).toBe(0);
    // The stored checkpoint and the file's: verify only counts them when both signatures hold
    // and both name the hash the chain has at that entry.
    expect(withFile.stdout).toMatch(/2 signed checkpoint\(s\) match/);
    expect(headOf(withFile.stdout)).toEqual(head);

    // A checkpoint signed with an attacker's key and the server's key id, with the attacker's key
    // inside the file: refused, whatever the file says.
    const attacker = crypto.generateKeyPairSync('ed25519');
    const forged = { ...checkpoint, signature: crypto.sign(null, Buffer.from(checkpointMessage(checkpoint as never), 'utf8'), attacker.privateKey).toString('base64'), publicKeyPem: attacker.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    const forgedFile = path.join(tempDir('cp'), 'forged.json');
    fs.writeFileSync(forgedFile, JSON.stringify(forged));
    const refused = await run(site, ['verify', '--checkpoint', forgedFile, '--key', keyFile]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('checkpoint_signature_invalid');
    // and the attacker's own key names another key id than the checkpoint's: refused too
    const attackerKey = path.join(tempDir('key'), 'attacker.pem');
    fs.writeFileSync(attackerKey, forged.publicKeyPem);
    expect((await run(site, ['verify', '--checkpoint', forgedFile, '--key', attackerKey])).code).toBe(1);

    // --deep: the tables agree with the journal
    const deep = await run(site, ['verify', '--deep']);
    expect(deep.code, deep.stdout + deep.stderr).toBe(0);
    expect(deep.stdout).toMatch(/signed record\(s\), \d+ destruction\(s\) and \d+ monthly report\(s\) agree with the journal/);
  });

  it("a first start without an administrator says on the console exactly what to run; create-admin without --org names the organisation in Japanese", async () => {
    const fresh = await newSite(kind, 'first-start');
    const first = await serve(fresh);
    const stopped = await first.stop();
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain('No administrator yet');
    expect(stopped.stderr).toContain("npx tachiai create-admin --username <user name> --name '<氏名 full name>' --password '<password: 8+ characters>'");
    if (kind === 'embedded') expect(stopped.stderr).toContain('stop this server (Ctrl+C)');
    else expect(stopped.stderr).not.toContain('Ctrl+C');

    const made = await run(fresh, ['create-admin', '--username', 'admin', '--password', PASSWORD, '--name', '初回 管理者']);
    expect(made.code, made.stderr).toBe(0);
    const created = JSON.parse(made.stdout) as typeof admin;
    const second = await serve(fresh);
    const login = await signIn(second.url, created);
    expect(login.status).toBe(200);
    const body = (await login.json()) as { token: string };
    const me = (await (await fetch(`${second.url}/api/people/${created.personId}`, { headers: { authorization: `Bearer ${body.token}` } })).json()) as { orgName: string };
    expect(me.orgName).toBe('立会い 運用組織');
    const again = await second.stop();
    expect(again.stderr).not.toContain('No administrator yet');
  });

  it('serve answers /api/health and sign-in; other commands keep out of the embedded files; data survives a restart', async () => {
    const first = await serve(site);
    const login = await signIn(first.url, admin);
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    // A live entry feed stays open: SIGTERM must still stop the server (after a grace period).
    const feed = await fetch(`${first.url}/api/entries/live`, { headers: { authorization: `Bearer ${token}` } });
    expect(feed.status).toBe(200);
    const feedReader = feed.body!.getReader();
    expect(new TextDecoder().decode((await feedReader.read()).value)).toMatch(/connected/);

    if (kind === 'embedded') {
      const lockFile = path.join(site.dataDir, 'tachiai.lock');
      const lockBefore = fs.readFileSync(lockFile, 'utf8');
      const outFile = path.join(tempDir('busy'), 'busy.tbk.gz');
      const [busyVerify, busyBackup] = await Promise.all([run(site, ['verify']), run(site, ['backup', '--out', outFile])]);
      for (const busy of [busyVerify, busyBackup]) {
        expect(busy.code, busy.stderr).toBe(3);
        expect(busy.stderr).toContain(`pid ${first.child.pid}`);
        expect(busy.stderr).toContain('"tachiai serve"');
        expect(busy.stdout).toBe('');
      }
      expect(fs.existsSync(outFile)).toBe(false);
      expect(fs.readdirSync(path.dirname(outFile))).toEqual([]);
      // The refused commands left the lock and the running server alone.
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(lockBefore);
      expect((await fetch(`${first.url}/api/health`)).status).toBe(200);
    } else {
      // PostgreSQL is shared: verify runs next to the server.
      const alongside = await run(site, ['verify']);
      expect(alongside.code, alongside.stderr).toBe(0);
    }

    const stopped = await first.stop();
    expect(stopped.code, stopped.stderr).toBe(0);
    try {
      while (!(await feedReader.read()).done);
    } catch {
      /* the connection was cut: the feed ended all the same */
    }
    if (kind === 'embedded') expect(fs.existsSync(path.join(site.dataDir, 'tachiai.lock'))).toBe(false);

    const second = await serve(site);
    const again = await signIn(second.url, admin);
    expect(again.status, await again.clone().text()).toBe(200);
    const body = (await again.json()) as { user: { personId: string; name: string } };
    expect(body.user).toMatchObject({ personId: admin.personId, name: '管理 太郎' });
    expect((await second.stop()).code).toBe(0);
  });

  it('backup, then restore into a fresh database: same journal head, same rows, exact values', async () => {
    // Values that must survive exactly: Japanese and awkward text, arrays, microseconds,
    // a bigint beyond 2^53, booleans, nulls.
    const db = await openSite(site);
    let accountId: string;
    try {
      const org = (await db.knex.raw(
        "INSERT INTO organisations (name, kind, created_at) VALUES (?, 'depositor', '2024-02-29 12:34:56.789012+00') RETURNING id",
        [TRICKY_ORG],
      )) as { rows: Array<{ id: string }> };
      await db.knex.raw(
        "INSERT INTO people (name, org_id, roles, birthday, left_at, email) VALUES ('ヤマダ　ハナコ', ?, ?::text[], '1990-01-31', '2026-03-01 23:59:59.999999+00', NULL)",
        [org.rows[0]!.id, `{${TRICKY_ROLES.map((r) => `"${r.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`],
      );
      await db.knex.raw(
        "INSERT INTO access_log (id, at, method, path, status, duration_ms, username) VALUES (9007199254740993, '2026-01-02 03:04:05.000001+00', 'GET', ?, 200, 7, NULL)",
        ['/api/テスト?q="x"'],
      );
      accountId = ((await db.knex('accounts').first('id')) as { id: string }).id;
      await db.knex.raw("INSERT INTO sessions (account_id, created_at, last_seen_at, must_change_password, source_ip) VALUES (?, '2026-01-01 00:00:00.000001+00', now(), true, '::1')", [accountId]);
    } finally {
      await db.close();
    }

    backupFile = path.join(tempDir('backup'), 'site.tbk.gz');
    const backup = await run(site, ['backup', '--out', backupFile]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/^ {2}journal_entries: \d+ rows$/m);
    expect(backup.stderr).toMatch(/^ {2}organisations: 2 rows$/m);
    expect(fs.statSync(backupFile).mode & 0o077).toBe(0);
    backupHead = headOf(backup.stdout);
    expect(fs.readdirSync(path.dirname(backupFile))).toEqual(['site.tbk.gz']); // no partial file left

    // Sealed (issue 17): not even gzip's magic shows; opened with the site's backup key.
    expect(fs.readFileSync(backupFile).subarray(0, 15).toString('ascii')).toBe('TACHIAI-SEALED\n');
    expect(() => zlib.gunzipSync(fs.readFileSync(backupFile))).toThrow();
    const lines = zlib.gunzipSync(await openSealedFile(backupFile, backupKeyOf(site))).toString('utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!) as { format: string; version: number; migrations: string[]; tables: Array<{ name: string }> };
    expect(header).toMatchObject({ format: 'tachiai-backup', version: 1 });
    expect(header.migrations[0]).toBe('0001_foundation');
    const order = header.tables.map((t) => t.name);
    expect(order).not.toContain('knex_migrations');
    expect(order.indexOf('organisations')).toBeLessThan(order.indexOf('people'));
    expect(order.indexOf('people')).toBeLessThan(order.indexOf('accounts'));
    expect(order.indexOf('accounts')).toBeLessThan(order.indexOf('sessions'));
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ trailer: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // The backup holds its own record: the last journal entry is backup.created.
    const journalRows = lines.map((l) => JSON.parse(l) as { table?: string; values?: string[] }).filter((l) => l.table === 'journal_entries');
    expect(journalRows.at(-1)!.values![4]).toBe('backup.created');
    expect(JSON.parse(journalRows.at(-1)!.values![6]!)).toMatchObject({ file: backupFile, tables: expect.any(Object) });

    // Without the original keys the restore is refused (checkpoints and badges need them)…
    restored = await newSite(kind, 'restored');
    // The sealed file cannot even be opened without the backup key…
    const keyless = await run(restored, ['restore', '--in', backupFile]);
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/sealed, and this server has no backup key/);
    expect(keyless.stderr).toMatch(/secrets/);
    expect(keyless.stderr).toMatch(/Nothing was restored/);
    expect(fs.readdirSync(restored.dataDir)).toEqual([]); // the target was not even opened
    // …and with the backup key alone, the checkpoints and badges still need theirs.
    const withBackupKey = await run(restored, ['restore', '--in', backupFile], { BACKUP_KEY: backupKeyOf(site).toString('utf8') });
    expect(withBackupKey.code).toBe(1);
    expect(withBackupKey.stderr).toMatch(/signing key/);
    expect(withBackupKey.stderr).toMatch(/Nothing was restored/);
    expect(fs.readdirSync(restored.dataDir)).toEqual([]);

    // …and with them it goes through, and verifies to the same head.
    fs.cpSync(path.join(site.dataDir, 'secrets'), path.join(restored.dataDir, 'secrets'), { recursive: true });
    const restore = await run(restored, ['restore', '--in', backupFile]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toMatch(/intact/);
    expect(restore.stderr).toMatch(/^ {2}people: 2 rows$/m);
    // The index step says the slow ones, each with its time, and sums the quick ones.
    const [, indexes, keys] = /^Building (\d+) indexes and checking (\d+) foreign keys$/m.exec(restore.stderr) ?? [];
    const listed = restore.stderr.match(/^ {2}(index|foreign key) .* \(\d+\.\d s\)$/gm) ?? [];
    expect(listed.filter((l) => l.endsWith('(0.0 s)'))).toEqual([]);
    const [, more] = /^ {2}and (\d+) more, each under 0\.1 s \(\d+\.\d s in all\)$/m.exec(restore.stderr) ?? [];
    expect(listed.length + Number(more ?? 0)).toBe(Number(indexes) + Number(keys));
    expect(Number(indexes)).toBeGreaterThan(0);
    expect(restore.stdout).toMatch(/^OK: /m);
    expect(headOf(restore.stdout)).toEqual(backupHead);

    const verify = await run(restored, ['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(headOf(verify.stdout)).toEqual(backupHead);

    const source = await openSite(site);
    const copy = await openSite(restored);
    try {
      expect(await fingerprint(copy)).toEqual(await fingerprint(source));
      const org = (await copy.knex('organisations').where({ kind: 'depositor' }).first()) as { name: string; created_at: Date };
      expect(org.name).toBe(TRICKY_ORG);
      const { rows } = (await copy.knex.raw(
        "SELECT roles, left_at::text AS left_at, birthday FROM people WHERE name = 'ヤマダ　ハナコ'",
      )) as { rows: Array<{ roles: string[]; left_at: string; birthday: string }> };
      expect(rows[0]).toEqual({ roles: TRICKY_ROLES, left_at: '2026-03-01 23:59:59.999999+00', birthday: '1990-01-31' });
      const { rows: sessions } = (await copy.knex.raw(
        "SELECT must_change_password, ended_at FROM sessions WHERE created_at = '2026-01-01 00:00:00.000001+00'",
      )) as { rows: Array<{ must_change_password: boolean; ended_at: unknown }> };
      expect(sessions).toEqual([{ must_change_password: true, ended_at: null }]);
      // Sequences follow the restored ids: the next access-log row does not collide.
      const next = (await copy.knex.raw("INSERT INTO access_log (at, method, path, status, duration_ms) VALUES (now(), 'GET', '/x', 200, 1) RETURNING id::text AS id")) as {
        rows: Array<{ id: string }>;
      };
      expect(BigInt(next.rows[0]!.id)).toBeGreaterThan(9007199254740993n);
      await copy.knex('access_log').where({ path: '/x' }).del();
    } finally {
      await source.close();
      await copy.close();
    }
  });

  it('restore refuses a database that is not empty', async () => {
    const again = await run(restored, ['restore', '--in', backupFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
    expect(again.stderr).toMatch(/Nothing was restored/);
  });

  it('restore refuses a truncated or altered backup file before touching the database', async () => {
    const dir = tempDir('damaged');
    const bytes = fs.readFileSync(backupFile);
    const key = backupKeyOf(site);
    // The sealed file itself: cut short, one byte changed, two chunks swapped, opened with another key.
    const truncated = path.join(dir, 'truncated.tbk.gz');
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const flipped = path.join(dir, 'flipped.tbk.gz');
    const changed = Buffer.from(bytes);
    changed[changed.length - 40]! ^= 0x01;
    fs.writeFileSync(flipped, changed);
    // Chunks of 64 KiB + 16: a file with at least three chunks, the first two swapped.
    const headerBytes = 15 + 1 + 16 + 16 + 7 + 4;
    const chunk = 64 * 1024 + 16;
    const big = await sealBytes(crypto.randomBytes(3 * 64 * 1024), key);
    const swapped = Buffer.concat([big.subarray(0, headerBytes), big.subarray(headerBytes + chunk, headerBytes + 2 * chunk), big.subarray(headerBytes, headerBytes + chunk), big.subarray(headerBytes + 2 * chunk)]);
    const reordered = path.join(dir, 'reordered.tbk.gz');
    fs.writeFileSync(reordered, swapped);
    // Inside the seal (a forger holding the key): cut cleanly at a line, and altered in one value.
    const lines = zlib.gunzipSync(await openSealedFile(backupFile, key)).toString('utf8').split('\n');
    const cut = path.join(dir, 'cut.tbk.gz');
    fs.writeFileSync(cut, await sealBytes(zlib.gzipSync(lines.slice(0, -3).join('\n') + '\n'), key));
    const altered = path.join(dir, 'altered.tbk.gz');
    fs.writeFileSync(altered, await sealBytes(zlib.gzipSync(lines.join('\n').replace('ヤマダ　ハナコ', 'ヤマダ　タロウ')), key));

    const files = [truncated, flipped, reordered, cut, altered];
    const targetsForDamaged = await Promise.all(files.map((_, i) => newSite(kind, `t${i + 1}`)));
    // Each target holds the site's secrets (the backup key among them): only the file is wrong.
    for (const t of targetsForDamaged) fs.cpSync(path.join(site.dataDir, 'secrets'), path.join(t.dataDir, 'secrets'), { recursive: true });
    const results = await Promise.all(files.map((file, i) => run(targetsForDamaged[i]!, ['restore', '--in', file])));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/damaged or incomplete/);
      expect(r.stderr).toMatch(/Nothing was restored/);
    }
    expect(results[0]!.stderr).toMatch(/does not authenticate|truncated/);
    expect(results[1]!.stderr).toMatch(/does not authenticate/);
    expect(results[2]!.stderr).toMatch(/chunk 1 does not authenticate|first chunk does not authenticate/);
    expect(results[3]!.stderr).toMatch(/trailer is missing/);
    expect(results[4]!.stderr).toMatch(/SHA-256/);
    // Another site's backup key: said as such.
    const otherKey = await newSite(kind, 'other-key');
    const wrongKey = await run(otherKey, ['restore', '--in', backupFile], { BACKUP_KEY: crypto.randomBytes(32).toString('hex') });
    expect(wrongKey.code, wrongKey.stderr).toBe(1);
    expect(wrongKey.stderr).toMatch(/sealed with another backup key/);
    expect(wrongKey.stderr).toMatch(/Nothing was restored/);
    targetsForDamaged.push(otherKey);
    // Nothing was even opened: no embedded database, no tables.
    for (const t of targetsForDamaged) {
      if (kind === 'embedded') {
        expect(fs.existsSync(path.join(t.dataDir, 'pgdata'))).toBe(false);
        // The one-reading restore built its database aside: removed with the refusal.
        expect(fs.readdirSync(t.dataDir).filter((f) => f.startsWith('pgdata'))).toEqual([]);
      } else {
        const db = await openSite(t);
        try {
          const { rows } = (await db.knex.raw("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")) as { rows: Array<{ n: number }> };
          expect(rows[0]!.n).toBe(0);
        } finally {
          await db.close();
        }
      }
    }
  });

  it('verify exits 1 naming the entry whose payload was changed behind the triggers', async () => {
    const db = await openSite(restored);
    const seq = 2;
    try {
      await db.knex.raw('ALTER TABLE journal_entries DISABLE TRIGGER USER');
      const changed = await db.knex('journal_entries').where({ chain: 'main', seq }).update({ payload: '{"tampered":true}' });
      expect(changed).toBe(1);
      await db.knex.raw('ALTER TABLE journal_entries ENABLE TRIGGER USER');
    } finally {
      await db.close();
    }
    const verify = await run(restored, ['verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`FAILED: first bad entry is main #${seq} \\(hash_mismatch\\)`));
    expect(verify.stdout).not.toMatch(/^head /m);
  });

  it('an unknown command exits 2 with the usage; ACCESS_LOG_RETENTION_MONTHS=2 keeps serve from starting (E2.15); nothing to verify is no success', async () => {
    // A database that does not exist (embedded: a mistyped DATA_DIR; PostgreSQL: no schema).
    const nowhere: Site = kind === 'embedded' ? { dataDir: path.join(tempDir('nowhere'), 'typo'), databaseUrl: undefined } : await newSite(kind, 'nowhere');
    // A PEM pasted into an environment variable without its line breaks.
    const flattened = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, ' ');
    const [unknown, retention, empty, badKey] = await Promise.all([
      run(site, ['frobnicate']),
      run(site, ['serve'], { ACCESS_LOG_RETENTION_MONTHS: '2', PORT: String(await freePort()) }),
      run(nowhere, ['verify']),
      run(site, ['verify'], { SIGNING_KEY: flattened }),
    ]);
    expect(badKey.code, badKey.stderr).toBe(2);
    expect(badKey.stderr).toMatch(/SIGNING_KEY is not a readable private key in PEM form .*keep the PEM's line breaks/);
    expect(badKey.stderr).not.toMatch(/^\s+at /m);
    expect(badKey.stderr).not.toContain(flattened.split(' ')[3]!);
    expect(empty.code, empty.stderr).toBe(1);
    expect(empty.stderr).toMatch(/nothing to verify/);
    expect(empty.stdout).not.toMatch(/^OK/m);
    if (kind === 'embedded') expect(fs.existsSync(nowhere.dataDir)).toBe(false);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
    expect(unknown.stderr).toMatch(/Usage: npx tachiai <command>/);
    expect(retention.code).toBe(2);
    expect(retention.stderr).toMatch(/ACCESS_LOG_RETENTION_MONTHS=2/);
    expect(retention.stderr).toMatch(/E2\.15/);
    expect(retention.stdout).not.toMatch(/serving/);
  });
});
