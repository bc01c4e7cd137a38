// The command line (../shared/api.md "Command line"): npx tachiai <command>
import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../server/config.js';
import { DataDirBusyError } from '../db/embedded-lock.js';
import { AppError } from '../server/errors.js';
import type { VerifyResult } from '../server/journal/verify.js';
import type { DeepResult } from '../server/integrity/deep-verify.js';
import type { CheckpointRecord } from '../server/journal/checkpoints.js';
import type { TableProgress } from '../server/backup/backup.js';
// The modules of each command are imported when that command runs (runtime.ts brings the whole
// web application): a usage or configuration error answers at once, and each command loads
// only what it needs.
const runtime = () => import('../server/runtime.js');

const USAGE = `Usage: npx tachiai <command> [options]

Commands:
  serve                      migrate, then serve the API and web UI (PORT, default 3000)
  migrate                    apply database migrations and exit
  create-admin --username U --password P --name N [--org NAME]
                             create an administrator; prints { personId, badgeToken, badgePin }
  verify [--deep] [--checkpoint FILE --key LOG_KEY]
                             re-check the whole journal; exit 0 and print the head hash if intact,
                             exit 1 naming the first bad entry if not. --deep also checks that the
                             tables agree with the journal (every signed record recomputed from its
                             rows, every destruction against its record), naming the first difference.
                             --checkpoint checks a checkpoint kept off the server; its signature is
                             checked with --key (the server's public key, kept off the server too),
                             never with a key inside the file. FILE is a JSON checkpoint ("checkpoint") or a
                             C2SP signed checkpoint (GET /checkpoint); LOG_KEY a PEM file or a vkey
  seed-demo                  a small demo site (people, rooms, badges with PINs, cabinets, media) to try every flow;
                             prints the demo accounts and badges as JSON
  checkpoint                 sign the journal's current head now; prints it (with the public key)
                             as JSON, to keep off the server for "verify --checkpoint"
  tree build [--rebuild]     bring the journal's Merkle tree up to the journal's head now, with progress
                             (the server's tree worker also does it); --rebuild forgets the stored tree first
  tree checkpoint            bring the tree up to date and sign a C2SP checkpoint now; prints the signed note
  tree key [--pem]           print the log's verifier key (C2SP vkey; --pem: the public key in PEM), to give
                             the depositor out of band for "verify-proof" and "verify --checkpoint"
  new-epoch [--last-checkpoint FILE]
                             start a new origin of the journal's log (tachiai/<site>/journal/eN) after an old
                             backup was restored as the LIVE system (never after a drill): the witnesses refuse
                             the rolled-back log for good. Records the old origin's last checkpoint (the newest in
                             the database, or FILE: a signed checkpoint from a witness or the depositor), journals
                             and notices it, signs the new origin's first checkpoint; prints the new vkey
  rotate-key --begin | --finish
                             rotate the signing key (SIGNING_KEY): --begin makes the next key
                             (DATA_DIR/secrets/signing-key.next.pem, or SIGNING_KEY_NEXT if set), records its
                             public key in the key history (journaled); copy it to every server, which then
                             co-signs each checkpoint with both keys. --finish makes it the current key, keeps
                             the old public key (what it signed stays verifiable), removes the old private key;
                             then restart every server with the new key and escrow the secrets again
  verify-proof FILE --key LOG_KEY [--witness KEY …]
                             check a proof file (.tlog-proof) offline — no database, no network: the record,
                             its journal entry, the inclusion proof, the checkpoint's signature (LOG_KEY: a vkey,
                             or a file holding a vkey or a PEM public key) and each witness's cosignature;
                             prints the record's facts; exit 0 if valid, 1 if not
  witness --name NAME --key FILE --log LOG_VKEY [--log …] --state FILE [--port P] [--host H]
                             run a witness (C2SP tlog-witness) on the depositor's side: it cosigns a log's
                             checkpoints only when consistent with the last it cosigned; FILE keys are made if
                             missing; prints the witness's vkey (for the server's WITNESSES and --witness)
  witness key --name NAME --key FILE
                             print the witness's vkey (making the key if missing) and exit
  backup --out FILE          full logical backup of the database to FILE, sealed with BACKUP_KEY
  restore --in FILE [--accept-new-keys]
                             restore a backup into an EMPTY database, then verify the journal
  restore-drill [--backup FILE]
                             restore the latest backup (or FILE) into a scratch database, verify it,
                             record the drill, drop the scratch database (E9.2)
  secrets export --out FILE [--passphrase-file F]
                             write this site's secrets, encrypted under a passphrase, for the escrow
  secrets import --in FILE [--passphrase-file F]
                             set up this server's DATA_DIR/secrets from an escrow file
  door-sim --door ID --site SITE --url mqtt://HOST:PORT [--username U --password P] [--ca CA.pem] --key KEY
                             a simulated door controller (issue 20): reads badge values from stdin,
                             one per line ("out VALUE" for leaving), publishes them as the door's
                             reader and prints what the lock does with each command: "UNLOCKED for
                             N ms", "stays locked: REASON", "RELEASED (fire alarm)" until "restored",
                             or a forged, late or replayed command REFUSED. The lines "open" and "close"
                             open and close the door contact, "exit" presses the request-to-exit button;
                             a heartbeat goes out every 10 s.
                             --password and --key may come from DOOR_SIM_PASSWORD and DOOR_SIM_KEY

Environment: DATABASE_URL (PostgreSQL; embedded PGlite in DATA_DIR when unset), DATA_DIR (./data),
PORT, TZ_DISPLAY, JWT_SECRET, BADGE_SECRET, PIN_PEPPER, SIGNING_KEY, BACKUP_KEY, ACCESS_LOG_RETENTION_MONTHS (≥ 3),
TLOG_CHECKPOINT_SECONDS (60),
TACHIAI_ESCROW_PASSPHRASE (for secrets export / import without a terminal).`;

const COMMANDS = ['serve', 'migrate', 'create-admin', 'seed-demo', 'verify', 'checkpoint', 'tree', 'new-epoch', 'rotate-key', 'verify-proof', 'witness', 'backup', 'restore', 'restore-drill', 'secrets', 'door-sim'];

/** How long `serve` lets requests under way finish after SIGTERM / SIGINT. */
const SHUTDOWN_GRACE_MS = 5_000;
/** After the grace period, how long the rest of the shutdown may take before the process gives up (exit 1). */
const SHUTDOWN_DEADLINE_MS = 25_000;

/** Misuse of the command line: message, usage, exit 2. */
class UsageError extends Error {}

/** Exit codes: 0 ok, 1 verification failed / command failed, 2 usage or configuration, 3 database busy or unreachable. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    // Fix: with no command this is an error: usage goes to stderr (it went to stdout with exit 2).
    (command ? console.log : console.error)(USAGE);
    return command ? 0 : 2;
  }
  // Fix: an unknown command is named as such even when the configuration is also invalid
  // (the configuration used to be checked first and its error hid the typo).
  if (!COMMANDS.includes(command)) {
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  // Offline: no configuration, no database (issue 19, items 4 and 5).
  if (command === 'verify-proof') return verifyProofCommand(rest);
  if (command === 'witness') return witnessCommand(rest);
  // The simulated controller is a device, not a server: it needs no configuration and no database.
  if (command === 'door-sim') return doorSim(rest);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }

  switch (command) {
    case 'serve': {
      // Signals are taken from the start: one that comes while the server starts (a container
      // stopped at once) stops it cleanly as soon as it serves, instead of killing it half-way.
      let signalled = null as string | null;
      let onSignal: (signal: string) => void = (signal) => {
        signalled ??= signal;
      };
      process.on('SIGINT', () => onSignal('SIGINT'));
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      const { openContext, serve } = await runtime();
      const ctx = await openContext(config);
      let running: Awaited<ReturnType<typeof serve>>;
      try {
        running = await serve(ctx);
      } catch (err) {
        // Fix: close the database (and release the embedded lock) cleanly when the port cannot
        // be bound, and say which port, instead of a stack trace.
        await ctx.db.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' || (err as NodeJS.ErrnoException).code === 'EACCES') {
          console.error(`Cannot listen on ${config.host}:${config.port}: ${(err as Error).message}. Set PORT to a free port.`);
          return 2;
        }
        throw err;
      }
      ctx.logger.info({ url: running.url, database: ctx.db.kind }, `Tachiai is serving on ${running.url}`);
      const { needsFirstAdministrator, firstAdministratorHint } = await import('../server/setup/first-admin.js');
      if (await needsFirstAdministrator(ctx.db.knex)) console.error(firstAdministratorHint(ctx.db.kind));
      // Graceful shutdown (issue 17, RunningServer.stop in server/runtime.ts): no new connection,
      // live streams end at once, requests under way get a grace period (then the remaining
      // connections are closed), scans under way are answered, the journal's intake is drained,
      // the access log written, the database closed and the embedded lock freed; exit 0. A second
      // signal closes the connections at once; a shutdown that still hangs ends with exit 1.
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) {
          running.server.closeAllConnections();
          return;
        }
        stopping = true;
        ctx.logger.info({ signal }, 'shutting down');
        setTimeout(() => {
          ctx.logger.error('the shutdown did not finish in time: exiting');
          process.exit(1);
        }, SHUTDOWN_GRACE_MS + SHUTDOWN_DEADLINE_MS).unref();
        running.stop({ graceMs: SHUTDOWN_GRACE_MS }).then(
          () => {
            ctx.logger.info('stopped');
            process.exit(0);
          },
          (err: unknown) => {
            ctx.logger.error({ err: (err as Error).message }, 'the shutdown failed');
            process.exit(1);
          },
        );
      };
      onSignal = shutdown;
      if (signalled) shutdown(signalled);
      return -1; // keep running
    }
    case 'migrate': {
      const { openContext } = await runtime();
      const ctx = await openContext(config, { migrate: false });
      try {
        const { migrateToLatest } = await import('../db/migrate.js');
        const applied = await migrateToLatest(ctx.db.knex);
        console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database is up to date.');
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'create-admin': {
      const { values } = parseArgs({
        args: rest,
        options: { username: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' }, org: { type: 'string' } },
        strict: true,
      });
      if (!values.username || !values.password || !values.name) {
        console.error('create-admin needs --username, --password and --name');
        return 2;
      }
      const [{ openContext }, { createAdmin }] = await Promise.all([runtime(), import('../server/setup/create-admin.js')]);
      const ctx = await openContext(config);
      try {
        const result = await createAdmin(ctx, { username: values.username, password: values.password, name: values.name, orgName: values.org });
        console.log(JSON.stringify(result));
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'verify': {
      const { values } = parseArgs({ args: rest, options: { checkpoint: { type: 'string' }, key: { type: 'string' }, deep: { type: 'boolean' } }, strict: true });
      // Fix: a missing or malformed checkpoint file is a usage error with a clear message (it
      // was an uncaught exception), and a file without a checkpoint is not silently "checked".
      // Review finding 6: the key that checks it comes from --key, never from the file.
      if (values.checkpoint && !values.key) throw new UsageError('verify --checkpoint needs --key FILE: the public key (PEM) to check the checkpoint with, kept off the server (GET /api/signing-key).');
      if (values.key && !values.checkpoint) throw new UsageError('verify --key goes with --checkpoint FILE.');
      const external = values.checkpoint ? await readExternalCheckpoint(values.checkpoint, values.key!) : undefined;
      // Fix: verify used to create an empty embedded database where there was none (a mistyped
      // DATA_DIR) and report "OK: 0 entries"; and on a database without the schema it crashed.
      if (!embeddedDatabaseExists(config, 'nothing to verify')) return 1;
      const [{ openContext }, { verifyJournal }, { verifyDeep }] = await Promise.all([runtime(), import('../server/journal/verify.js'), import('../server/integrity/deep-verify.js')]);
      const ctx = await openContext(config, { migrate: false });
      try {
        if (!(await ctx.db.knex.schema.hasTable('journal_entries'))) {
          console.error('The database has no Tachiai journal (run "tachiai migrate", or check DATABASE_URL): nothing to verify.');
          return 1;
        }
        const interactive = process.stderr.isTTY;
        let lastReported = -1;
        const started = Date.now();
        const options = {
          ...(external ? { external } : {}),
          // PostgreSQL: ranges of the journal checked side by side on threads with connections of their own.
          ...(ctx.config.databaseUrl ? { threads: { connectionString: ctx.config.databaseUrl } } : {}),
          onProgress: (checked: number, total: number) => {
            const percent = total ? Math.floor((checked / total) * 100) : 100;
            if (interactive) {
              process.stderr.write(`\rVerifying the journal: ${checked.toLocaleString('en')} / ${total.toLocaleString('en')} entries (${percent}%)`);
            } else if (percent >= lastReported + 10 || checked === total) {
              lastReported = percent;
              process.stderr.write(`Verifying the journal: ${checked} / ${total} entries (${percent}%)\n`);
            }
          },
          onTableProgress: (check: string, checked: number) => {
            process.stderr.write(`${interactive ? '\r' : ''}Checking ${check === 'signed_records' ? 'signed records' : check === 'monthly_reports' ? 'monthly reports' : 'destructions'} against the journal: ${checked}${interactive ? '' : '\n'}`);
          },
        };
        const result = values.deep ? await verifyDeep(ctx.db.knex, ctx.secrets.signing, options) : await verifyJournal(ctx.db.knex, ctx.secrets.signing, options);
        if (interactive) process.stderr.write('\n');
        return printVerifyResult(result, Date.now() - started);
      } finally {
        await ctx.db.close();
      }
    }
    case 'seed-demo': {
      const [{ openContext }, { seedDemo }] = await Promise.all([runtime(), import('../server/demo/seed.js')]);
      const ctx = await openContext(config);
      try {
        process.stderr.write('Creating the demo site…\n');
        const site = await seedDemo(ctx);
        console.log(JSON.stringify(site, null, 2));
        process.stderr.write(`Created ${site.rooms.length} rooms, ${site.people.length} people with badges, ${site.locations.length} storage locations and ${site.media.length} media. Sign in with the accounts above.\n`);
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'checkpoint': {
      const [{ openContext }, { createCheckpoint }, { siteOf }] = await Promise.all([runtime(), import('../server/journal/checkpoints.js'), import('../server/system/site.js')]);
      const ctx = await openContext(config);
      try {
        const cp = await createCheckpoint(ctx.db.knex, ctx.secrets.signing);
        console.log(JSON.stringify(cp ? { site: (await siteOf(ctx)).id, ...cp, publicKeyPem: ctx.secrets.signing.publicKeyPem } : { created: false, reason: 'the latest checkpoint already covers the head' }));
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'tree': {
      const [sub, ...args] = rest;
      const { values } = parseArgs({ args, options: { rebuild: { type: 'boolean' }, pem: { type: 'boolean' } }, strict: true });
      if (sub !== 'build' && sub !== 'checkpoint' && sub !== 'key') throw new UsageError('tree needs build, checkpoint or key');
      if (values.rebuild && sub !== 'build') throw new UsageError('--rebuild goes with "tree build"');
      if (values.pem && sub !== 'key') throw new UsageError('--pem goes with "tree key"');
      const [{ openContext }, tree, tlog, { logOriginOf }] = await Promise.all([runtime(), import('../server/journal/tree.js'), import('../server/journal/tlog-checkpoints.js'), import('../server/system/site.js')]);
      const ctx = await openContext(config);
      try {
        const origin = await logOriginOf(ctx);
        if (sub === 'key') {
          console.log(values.pem ? ctx.secrets.signing.publicKeyPem.trim() : tlog.logVerifier(origin, ctx.secrets.signing).vkey);
          return 0;
        }
        if (sub === 'build') {
          if (values.rebuild) {
            await tree.resetTree(ctx.db.knex);
            process.stderr.write('The stored tree was forgotten; building it again from the journal.\n');
          }
          const total = await tree.journalSize(ctx.db.knex);
          const interactive = process.stderr.isTTY;
          let lastReported = -1;
          const started = Date.now();
          const built = await tree.buildTree(ctx.db.knex, {
            batch: 20_000,
            onProgress: (size) => {
              const percent = total ? Math.min(100, Math.floor((size / total) * 100)) : 100;
              if (interactive) process.stderr.write(`\rBuilding the journal's tree: ${size.toLocaleString('en')} / ${total.toLocaleString('en')} entries (${percent}%)`);
              else if (percent >= lastReported + 10) {
                lastReported = percent;
                process.stderr.write(`Building the journal's tree: ${size} / ${total} entries (${percent}%)\n`);
              }
            },
          });
          if (interactive && built.added > 0) process.stderr.write('\n');
          console.log(`Tree of ${built.size} entries (${built.added} added in ${((Date.now() - started) / 1000).toFixed(1)} s), root ${built.root.toString('base64')}`);
          return 0;
        }
        const made = await tlog.checkpointNow(ctx, origin);
        if (!made.checkpoint) {
          console.error('The journal is empty: nothing to sign.');
          return 1;
        }
        if (!made.created) process.stderr.write('The newest checkpoint already covers the journal:\n');
        process.stdout.write(made.checkpoint.note);
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'new-epoch': {
      // Issue 19, item 6a. Safe with servers running: the epoch starts under the checkpoint lock.
      const { values } = parseArgs({ args: rest, options: { 'last-checkpoint': { type: 'string' } }, strict: true });
      let lastCheckpoint: string | undefined;
      if (values['last-checkpoint'] !== undefined) {
        try {
          lastCheckpoint = fs.readFileSync(values['last-checkpoint'], 'utf8');
        } catch (err) {
          throw new UsageError(`Cannot read the checkpoint file ${values['last-checkpoint']}: ${(err as Error).message}`);
        }
      }
      if (!embeddedDatabaseExists(config, 'no log to start an epoch of')) return 1;
      const [{ openContext }, { startNewEpoch }, tlog, { firstLogOriginOf }, { osUser }] = await Promise.all([
        runtime(),
        import('../server/notices/service.js'),
        import('../server/journal/tlog-checkpoints.js'),
        import('../server/system/site.js'),
        import('../server/shared/os-user.js'),
      ]);
      const ctx = await openContext(config);
      try {
        const made = await startNewEpoch(ctx, await firstLogOriginOf(ctx), { actor: `cli:${osUser()}`, ...(lastCheckpoint !== undefined ? { lastCheckpoint } : {}) });
        process.stderr.write(
          `Epoch ${made.epoch} started: the log's origin is now ${made.origin} (was ${made.previousOrigin}), journal entry #${made.entry.seq}.\n` +
            (made.previous ? `The old origin's last checkpoint (${made.previous.source === 'given' ? 'given' : 'from the database'}): ${made.previous.size} entries.\n` : 'The old origin signed no checkpoint.\n'),
        );
        const first = await tlog.checkpointNow(ctx, made.origin);
        process.stderr.write(`The new origin's verifier key (give it to the depositor for their witness's --log and verify-proof):\n`);
        console.log(tlog.logVerifier(made.origin, ctx.secrets.signing).vkey);
        if (first.checkpoint) process.stdout.write(first.checkpoint.note);
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'rotate-key': {
      // Issue 19, item 6b. The steps: docs/operations.md "Rotating the signing key".
      const { values } = parseArgs({ args: rest, options: { begin: { type: 'boolean' }, finish: { type: 'boolean' } }, strict: true });
      if (Boolean(values.begin) === Boolean(values.finish)) throw new UsageError('rotate-key needs --begin or --finish.');
      if (!embeddedDatabaseExists(config, 'no site to rotate the key of')) return 1;
      const [{ openContext }, keys, tlog, { logOriginOf }, { osUser }] = await Promise.all([
        runtime(),
        import('../server/system/signing-keys.js'),
        import('../server/journal/tlog-checkpoints.js'),
        import('../server/system/site.js'),
        import('../server/shared/os-user.js'),
      ]);
      const ctx = await openContext(config);
      const secretsDir = path.join(config.dataDir, 'secrets');
      const nextFile = path.join(secretsDir, 'signing-key.next.pem');
      try {
        const origin = await logOriginOf(ctx);
        if (values.begin) {
          if (ctx.secrets.signing.next && !config.signingKeyNext) throw new UsageError(`${nextFile} exists already: a rotation is under way (finish it with --finish, or remove the file if it was never begun).`);
          const given = config.signingKeyNext ? ctx.secrets.signing.next?.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() : undefined;
          const next = await keys.beginRotation(ctx, `cli:${osUser()}`, given);
          if (!given) {
            fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
            fs.writeFileSync(nextFile, next.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' });
          }
          process.stderr.write(
            `The rotation has begun: the next signing key ${next.keyId} is recorded (journaled), endorsed by the current key ${ctx.secrets.signing.keyId}.\n` +
              `${given ? 'It is the key of SIGNING_KEY_NEXT' : `Its private key is in ${nextFile}`}: give it to every server (the same file in its DATA_DIR/secrets, or SIGNING_KEY_NEXT) and restart them one by one;\n` +
              `each then signs every checkpoint with both keys. Give the depositor the new verifier key below (out of band, as the first one) for their witness (--log) and verify-proof.\n` +
              `Then: tachiai rotate-key --finish\n`,
          );
          console.log(tlog.logVerifier(origin, next).vkey);
          return 0;
        }
        const next = ctx.secrets.signing.next;
        const done = await keys.finishRotation(ctx, `cli:${osUser()}`);
        const pem = next!.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        if (!config.signingKey) {
          // The new key becomes this data directory's key; the old private key is gone (its public key stays in the history).
          const tmp = path.join(secretsDir, `signing-key.pem.${process.pid}.tmp`);
          fs.writeFileSync(tmp, pem, { mode: 0o600, flag: 'wx' });
          fs.renameSync(tmp, path.join(secretsDir, 'signing-key.pem'));
          fs.rmSync(nextFile, { force: true });
        }
        process.stderr.write(
          `The signing key is now ${done.keyId}; ${done.previousKeyId} is retired (its public key is kept: what it signed stays verifiable).\n` +
            (config.signingKey
              ? 'Set SIGNING_KEY to the next key (the one of SIGNING_KEY_NEXT) and unset SIGNING_KEY_NEXT on every server, then restart them.\n'
              : `${path.join(secretsDir, 'signing-key.pem')} holds the new key; give every server the same file (and remove its signing-key.next.pem), then restart them.\n`) +
            `A server still holding the old key is refused at its next start. The escrow is out of date: export it again now (tachiai secrets export) and keep it as before.\n`,
        );
        console.log(tlog.logVerifier(origin, next!).vkey);
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'backup': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, strict: true });
      if (!values.out) throw new UsageError('backup needs --out FILE');
      if (!embeddedDatabaseExists(config, 'nothing to back up')) return 1;
      const [{ openContext }, { createBackup }] = await Promise.all([runtime(), import('../server/backup/backup.js')]);
      const ctx = await openContext(config, { migrate: false });
      try {
        process.stderr.write(`Backing up the ${ctx.db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL database'} to ${path.resolve(values.out)}\n`);
        const summary = await createBackup(ctx, values.out, { onProgress: reportTable });
        console.log(
          `Backup written to ${summary.file}: ${summary.totalRows} rows in ${Object.keys(summary.counts).length} tables, ` +
            `${summary.bytes} bytes sealed (${summary.contentBytes} uncompressed), file sha256 ${summary.fileSha256}, content sha256 ${summary.sha256}`,
        );
        if (summary.journalHead) console.log(`head ${summary.journalHead.seq} ${summary.journalHead.hash}`);
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    case 'restore': {
      const { values } = parseArgs({ args: rest, options: { in: { type: 'string' }, 'accept-new-keys': { type: 'boolean' } }, strict: true });
      if (!values.in) throw new UsageError('restore needs --in FILE');
      const { restoreBackup } = await import('../server/backup/backup.js');
      process.stderr.write(`Restoring from ${path.resolve(values.in)}\n`);
      const summary = await restoreBackup(config, values.in, {
        acceptNewKeys: values['accept-new-keys'] ?? false,
        onChecked: (header, trailer) => {
          const rows = Object.values(trailer.counts).reduce((a, b) => a + b, 0);
          process.stderr.write(`  intact: backup of ${header.createdAt} (${header.database.kind}), ${rows} rows in ${header.tables.length} tables, sha256 ${trailer.sha256}\n`);
        },
        onTargetReady: (kind) => process.stderr.write(`Restoring into the ${kind === 'postgres' ? 'PostgreSQL database' : `embedded database in ${config.dataDir}`}\n`),
        onProgress: reportTable,
        onStep: (message) => process.stderr.write(`${message}\n`),
      });
      console.log(`Restored ${summary.totalRows} rows into ${Object.keys(summary.counts).length} tables from ${path.resolve(values.in)} (backup of ${summary.header.createdAt}).`);
      if (!summary.verify.ok && 'firstBadEntry' in summary.verify && summary.verify.firstBadEntry.reason === 'checkpoint_signature_invalid' && values['accept-new-keys']) {
        process.stderr.write(
          `The journal's checkpoints were signed with key ${summary.header.keys.checkpointKeyIds.join(', ')}, which this server does not have ` +
            `(--accept-new-keys). Its public key is in the backup's header (keys.signingPublicKeyPem) for checking them offline.\n`,
        );
      }
      return printVerifyResult(summary.verify, null);
    }
    case 'restore-drill': {
      const { values } = parseArgs({ args: rest, options: { backup: { type: 'string' } }, strict: true });
      if (!embeddedDatabaseExists(config, 'no site to drill')) return 1;
      const [{ openContext }, { runRestoreDrill }] = await Promise.all([runtime(), import('../server/backup/drill.js')]);
      const ctx = await openContext(config, { migrate: false });
      try {
        const drill = await runRestoreDrill(ctx, { ...(values.backup ? { file: values.backup } : {}), onStep: (m) => process.stderr.write(`${m}\n`), onProgress: reportTable });
        console.log(
          drill.verified
            ? `Drill passed: ${drill.file} (sha256 ${drill.sha256}) restored into a scratch ${drill.target}, ${drill.rows} rows, verified, in ${drill.seconds.toFixed(1)} s; recorded as drill ${drill.id}.`
            : `Drill FAILED: ${drill.error ?? 'not verified'} (${drill.file}); recorded as drill ${drill.id}.`,
        );
        return drill.verified ? 0 : 1;
      } finally {
        await ctx.db.close();
      }
    }
    case 'secrets': {
      const { runSecretsCommand, SecretsUsageError } = await import('./secrets-command.js');
      try {
        return await runSecretsCommand(config, rest);
      } catch (err) {
        if (err instanceof SecretsUsageError) throw new UsageError(err.message);
        throw err;
      }
    }
  }
  return 2; // unreachable: the command was checked against COMMANDS
}

/** False (with a message) when DATA_DIR holds no embedded database: opening it would create one. */
function embeddedDatabaseExists(config: Config, consequence: string): boolean {
  if (config.databaseUrl || fs.existsSync(path.join(config.dataDir, 'pgdata'))) return true;
  console.error(`There is no embedded database in ${config.dataDir} (set DATA_DIR, or DATABASE_URL for PostgreSQL): ${consequence}.`);
  return false;
}

function reportTable(p: TableProgress) {
  if (p.done) process.stderr.write(`  ${p.table}: ${p.rows} row${p.rows === 1 ? '' : 's'}\n`);
  else process.stderr.write(`  ${p.table}: ${p.rows} rows so far\n`);
}

function printVerifyResult(result: VerifyResult | DeepResult, elapsedMs: number | null): number {
  const seconds = elapsedMs === null ? '' : ` in ${(elapsedMs / 1000).toFixed(1)} s`;
  if (result.ok) {
    console.log(`OK: ${result.entries} entries verified${seconds}, ${result.checkpoints} signed checkpoint(s) match${result.treeHeads ? `, and the Merkle tree matches ${result.treeHeads} tree head(s) (the stored tree, C2SP checkpoints)` : ''}.`);
    if ('records' in result) console.log(`OK: ${result.records} signed record(s), ${result.destructions} destruction(s) and ${result.monthlyReports} monthly report(s) agree with the journal.`);
    console.log(`head ${result.headSeq} ${result.head}`);
    return 0;
  }
  if ('firstDifference' in result) {
    console.log(`FAILED: the journal is intact, but the tables differ from it (${result.firstDifference.check}): ${result.firstDifference.message}`);
    return 1;
  }
  const bad = result.firstBadEntry;
  console.log(`FAILED: first bad entry is ${bad.chain} #${bad.seq} (${bad.reason}): ${bad.message}`);
  return 1;
}

/**
 * The log's key as given on the command line: a C2SP verifier key (vkey) — as the argument itself
 * or in a file — or a file holding an Ed25519 public key in PEM (SPKI).
 */
async function readLogKey(arg: string): Promise<{ kind: 'vkey'; verifier: import('../server/journal/note.js').NoteVerifier; publicKey: KeyObject } | { kind: 'pem'; publicKey: KeyObject }> {
  const { parseVkey } = await import('../server/journal/note.js');
  let text = arg;
  if (fs.existsSync(arg)) {
    try {
      text = fs.readFileSync(arg, 'utf8');
    } catch (err) {
      throw new UsageError(`Cannot read the key ${arg}: ${(err as Error).message}`);
    }
  } else if (!arg.includes('+')) {
    throw new UsageError(`${arg}: no such file, and not a verifier key (name+keyid+key).`);
  }
  if (text.includes('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = crypto.createPublicKey(text);
    } catch (err) {
      throw new UsageError(`Cannot read the public key ${arg}: ${(err as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`${arg} is not an Ed25519 public key (PEM), as GET /api/signing-key gives it.`);
    return { kind: 'pem', publicKey: key };
  }
  try {
    const verifier = parseVkey(text.trim());
    if (verifier.type !== 0x01) throw new Error('it is a witness key (cosignature), not a log key');
    return { kind: 'vkey', verifier, publicKey: verifier.publicKey };
  } catch (err) {
    throw new UsageError(`${arg} is neither an Ed25519 public key (PEM) nor a verifier key: ${(err as Error).message}.`);
  }
}

/**
 * verify --checkpoint FILE --key KEY: FILE is a JSON checkpoint ("tachiai checkpoint") or a C2SP
 * signed checkpoint (GET /checkpoint, "tachiai tree checkpoint"), whose signature must verify
 * under KEY before it is compared with the journal's recomputed Merkle tree.
 */
async function readExternalCheckpoint(file: string, keyArg: string) {
  const key = await readLogKey(keyArg);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the checkpoint file ${file}: ${(err as Error).message}`);
  }
  if (text.trimStart().startsWith('{') || text.trimStart().startsWith('[')) return { checkpoints: readCheckpointFile(file), publicKey: key.publicKey };
  const [{ parseNote, parseCheckpoint, hasValidSignature, verifierFor, isValidKeyName }, { sameLog }] = await Promise.all([import('../server/journal/note.js'), import('../server/journal/tlog-store.js')]);
  let cp;
  let note;
  try {
    note = parseNote(text);
    cp = parseCheckpoint(note.text);
  } catch (err) {
    throw new UsageError(`${file} is neither a JSON checkpoint nor a C2SP signed checkpoint: ${(err as Error).message}.`);
  }
  // Any epoch of the log (issue 19, item 6a) is signed by the same key under its own origin.
  const verifier =
    key.kind === 'vkey' && key.verifier.name === cp.origin ? key.verifier : isValidKeyName(cp.origin) && (key.kind === 'pem' || sameLog(key.verifier.name, cp.origin)) ? verifierFor(cp.origin, key.publicKey) : null;
  if (!verifier || verifier.name !== cp.origin || !hasValidSignature(note, verifier)) {
    console.log(`FAILED: the checkpoint in ${file} (${cp.origin}, ${cp.size} entries) does not carry a valid signature of the key given.`);
    process.exit(1);
  }
  return { checkpoints: [], publicKey: key.publicKey, trees: [{ size: cp.size, root: cp.root, what: `The checkpoint kept off the server (${cp.size} entries)` }] };
}

/** tachiai witness (issue 19, item 5): a witness server, no database; its key and state in files. */
async function witnessCommand(args: string[]): Promise<number> {
  const keyOnly = args[0] === 'key';
  const { values } = parseArgs({
    args: keyOnly ? args.slice(1) : args,
    options: { name: { type: 'string' }, key: { type: 'string' }, log: { type: 'string', multiple: true }, state: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  if (!values.name || !values.key) throw new UsageError('witness needs --name NAME (e.g. witness.example.jp/depositor) and --key FILE (made if missing).');
  const [{ Witness, witnessVerifier }, { startWitnessServer }, { parseVkey, isValidKeyName }] = await Promise.all([import('../server/journal/witness.js'), import('../server/journal/witness-server.js'), import('../server/journal/note.js')]);
  if (!isValidKeyName(values.name)) throw new UsageError('--name has no spaces and no "+".');
  if (!fs.existsSync(values.key)) {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    fs.writeFileSync(values.key, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' });
    process.stderr.write(`Made a new witness key in ${values.key} (keep it secret, keep a copy).\n`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = crypto.createPrivateKey(fs.readFileSync(values.key, 'utf8'));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 private key');
  } catch (err) {
    throw new UsageError(`Cannot read the witness key ${values.key}: ${(err as Error).message}`);
  }
  const vkey = witnessVerifier(values.name, crypto.createPublicKey(privateKey)).vkey;
  if (keyOnly) {
    console.log(vkey);
    return 0;
  }
  if (!values.state || !values.log?.length) throw new UsageError('witness needs --state FILE and at least one --log LOG_VKEY (the log\'s vkey: tachiai tree key).');
  const logs = new Map<string, ReturnType<typeof parseVkey>[]>();
  for (const l of values.log) {
    let v;
    try {
      v = parseVkey(l);
    } catch (err) {
      throw new UsageError(`--log ${l}: ${(err as Error).message}`);
    }
    logs.set(v.name, [...(logs.get(v.name) ?? []), v]);
  }
  const port = values.port === undefined ? 3080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port is a port number.');
  const witness = new Witness({ name: values.name, privateKey, logs, stateFile: path.resolve(values.state) });
  const running = await startWitnessServer(witness, { host: values.host ?? '127.0.0.1', port });
  console.log(vkey);
  process.stderr.write(`Witness ${values.name} serving ${running.url}/add-checkpoint for ${[...logs.keys()].join(', ')}\n`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return -1; // keep running
}

/** tachiai verify-proof FILE --key LOG_KEY [--witness KEY …] (issue 19, item 4): offline. */
async function verifyProofCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { key: { type: 'string' }, witness: { type: 'string', multiple: true } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1 || !values.key) throw new UsageError('verify-proof needs one FILE and --key LOG_KEY (the log\'s verifier key, or a file holding it or the PEM public key).');
  const [{ verifyProofFile }, { parseVkey }, { displayDateTime }] = await Promise.all([import('../server/journal/proof-file.js'), import('../server/journal/note.js'), import('../server/shared/time.js')]);
  const key = await readLogKey(values.key);
  const witnesses = (values.witness ?? []).map((w) => {
    try {
      const text = fs.existsSync(w) ? fs.readFileSync(w, 'utf8').trim() : w;
      return parseVkey(text);
    } catch (err) {
      throw new UsageError(`--witness ${w}: not a witness verifier key: ${(err as Error).message}`);
    }
  });
  let text: string;
  try {
    text = fs.readFileSync(positionals[0]!, 'utf8');
  } catch (err) {
    console.error(`Cannot read ${positionals[0]}: ${(err as Error).message}`);
    return 1;
  }
  const result = verifyProofFile(text, key.kind === 'vkey' ? { kind: 'vkey', verifier: key.verifier } : key, witnesses);
  for (const step of result.steps) console.log(`  ${step.ok ? 'ok ' : 'BAD'} ${step.what}`);
  if (!result.ok) {
    console.log(`FAILED: ${result.steps.filter((s) => !s.ok).map((s) => s.what).join(' ') || 'the proof file does not verify.'}`);
    return 1;
  }
  const c = result.content as Record<string, any> | null; // eslint-disable-line @typescript-eslint/no-explicit-any
  const tz = 'Asia/Tokyo';
  console.log('');
  if (result.extra?.subject === 'destruction-certificate' && c) {
    const depositors = [...new Set(((c.media ?? []) as Array<{ depositor?: { name?: string } }>).map((m) => m.depositor?.name ?? '?'))];
    console.log(`廃棄証明書 Destruction certificate ${c.certificateNo}`);
    console.log(`  実施日時 Performed at:  ${displayDateTime(new Date(c.performedAt), tz)} (${tz})`);
    console.log(`  預託者 Depositor:        ${depositors.join('、')}`);
    console.log(`  方法 Method:             ${c.method}${c.technique ? ` / ${c.technique}` : ''} · ${c.category}${c.securityLevel ? ` · ${c.securityLevel}` : ''}`);
    console.log(`  媒体 Media:              ${((c.media ?? []) as Array<{ label?: string }>).map((m) => m.label).join('、')}`);
    console.log(`  実施者 Performed by:     ${c.performer?.name ?? '?'}${c.performer?.org ? ` (${c.performer.org})` : ''}`);
    console.log(`  立会人 Witnesses:        ${(result.extra.record?.signatures ?? []).map((s) => `${s.manifest.signerName} (${s.manifest.meaning})`).join('、')}`);
  } else if (result.extra?.record) {
    console.log(`署名記録 Signed record ${result.extra.record.id} (${result.extra.record.kind})`);
    console.log(`  日時 Signed at:           ${displayDateTime(new Date(result.extra.record.at), tz)} (${tz})`);
    console.log(`  署名 Signatures:          ${result.extra.record.signatures.map((s) => `${s.manifest.signerName} (${s.manifest.meaning})`).join('、')}`);
  }
  if (result.extra?.record) console.log(`  記録ハッシュ Record SHA-256: ${result.extra.record.contentHash}`);
  const e = result.extra!.entry;
  console.log(`  ジャーナル Journal entry:    #${e.seq} ${e.action} at ${displayDateTime(new Date(e.at), tz)} (${tz}), hash ${e.hash}`);
  console.log(`  Checkpoint: ${result.checkpoint!.origin}, ${result.checkpoint!.size} entries, root ${result.checkpoint!.root.toString('base64')}`);
  console.log(`OK: the proof file is valid: this record is in the journal signed by ${key.kind === 'vkey' ? key.verifier.vkey : 'the key given'}${witnesses.length ? ` and cosigned by ${witnesses.length} witness(es)` : ''}. Compare the facts above with the paper.`);
  return 0;
}

function readCheckpointFile(file: string): CheckpointRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`Cannot read the checkpoint file ${file}: ${(err as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const valid = (c: unknown): c is CheckpointRecord => {
    const r = c as Record<string, unknown> | null;
    return (
      !!r && typeof r.chain === 'string' && Number.isInteger(r.seq) && typeof r.headHash === 'string' && typeof r.at === 'string' &&
      typeof r.keyId === 'string' && typeof r.signature === 'string' && (r.publicKeyPem === undefined || typeof r.publicKeyPem === 'string')
    );
  };
  if (list.length === 0 || !list.every(valid)) {
    throw new UsageError(`${file} does not hold a checkpoint ({ chain, seq, headHash, at, keyId, signature, publicKeyPem }, as printed by "tachiai checkpoint").`);
  }
  return list;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof DataDirBusyError) {
      console.error(err.message);
      process.exit(3);
    }
    // Fix: option errors (unknown option, missing value) are usage errors, not crashes.
    const code = (err as { code?: string })?.code;
    if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))) {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    // A start refused by the database's settings (another SITE_ID, secrets not shared): said, exit 2.
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    // Refusals of backup / restore / the escrow (by name: their modules are only loaded by those commands).
    if (err instanceof Error && (err.name === 'BackupError' || err.name === 'BackupFileError')) {
      console.error(err.message);
      process.exit(1);
    }
    if (err instanceof AppError) {
      console.error(`${err.message}${err.details.length ? '\n' + err.details.map((d) => `  - ${d.field ? d.field + ': ' : ''}${d.message}`).join('\n') : ''}`);
      process.exit(1);
    }
    const e = err as { code?: string; message?: string; name?: string };
    // Fix: more ways of "the server is not there" (unknown host, timeouts, starting up, pool
    // timeout) are exit 3 with one line, not a stack trace with exit 1.
    if (
      ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '3D000', '28P01', '28000', '57P03'].includes(e?.code ?? '') ||
      e?.name === 'KnexTimeoutError' ||
      /^Connection terminated due to connection timeout|^timeout expired/.test(e?.message ?? '')
    ) {
      console.error(`Cannot reach the database: ${e.message}`);
      process.exit(3);
    }
    console.error(err);
    process.exit(1);
  },
);

/** `door-sim`: a simulated door controller over MQTT (server/doors/simulator.ts). */
async function doorSim(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { door: { type: 'string' }, site: { type: 'string' }, url: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const key = values.key ?? process.env.DOOR_SIM_KEY;
  const password = values.password ?? process.env.DOOR_SIM_PASSWORD;
  const missing = (['door', 'site', 'url'] as const).filter((k) => !values[k]);
  if (missing.length > 0 || !key) {
    console.error(`door-sim needs ${[...missing.map((m) => `--${m}`), ...(key ? [] : ['--key'])].join(', ')} (the registration of the door shows them)`);
    return 2;
  }
  if (!/^mqtts?:\/\//.test(values.url!)) {
    console.error('--url is mqtt://host:port or mqtts://host:port');
    return 2;
  }
  const { runDoorSim } = await import('../server/doors/simulator.js');
  try {
    const ca = values.ca ? fs.readFileSync(values.ca) : undefined;
    await runDoorSim({ url: values.url!, site: values.site!, door: values.door!, key, username: values.username, password, ca }, process.stdin, (line) => console.log(line));
    return 0;
  } catch (err) {
    console.error(`door-sim: ${(err as Error).message}`);
    return 1;
  }
}
