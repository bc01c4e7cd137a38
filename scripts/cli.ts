// The command line (../shared/api.md "Command line"): npx tachiai <command>
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../server/config.js';
import { openContext, serve } from '../server/runtime.js';
import { DataDirBusyError } from '../db/embedded-lock.js';
import { verifyJournal } from '../server/journal/verify.js';
import { createCheckpoint, type CheckpointRecord } from '../server/journal/checkpoints.js';
import { createAdmin } from '../server/people/create-admin.js';
import { AppError } from '../server/errors.js';

const USAGE = `Usage: npx tachiai <command> [options]

Commands:
  serve                      migrate, then serve the API and web UI (PORT, default 3000)
  migrate                    apply database migrations and exit
  create-admin --username U --password P --name N [--org NAME]
                             create an administrator; prints { personId, badgeToken, badgePin }
  verify [--checkpoint FILE] re-check the whole journal; exit 0 and print the head hash if intact,
                             exit 1 naming the first bad entry if not
  checkpoint                 sign the journal's current head now

Environment: DATABASE_URL (PostgreSQL; embedded PGlite in DATA_DIR when unset), DATA_DIR (./data),
PORT, TZ_DISPLAY, JWT_SECRET, BADGE_SECRET, SIGNING_KEY, ACCESS_LOG_RETENTION_MONTHS (≥ 3).`;

/** Exit codes: 0 ok, 1 verification failed / command failed, 2 usage or configuration, 3 database busy or unreachable. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
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
      const ctx = await openContext(config);
      const running = await serve(ctx);
      ctx.logger.info({ url: running.url, database: ctx.db.kind }, `Tachiai is serving on ${running.url}`);
      const shutdown = (signal: string) => {
        ctx.logger.info({ signal }, 'shutting down');
        running.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      return -1; // keep running
    }
    case 'migrate': {
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
      const { values } = parseArgs({ args: rest, options: { checkpoint: { type: 'string' } }, strict: true });
      let external: CheckpointRecord[] = [];
      if (values.checkpoint) {
        const parsed = JSON.parse(fs.readFileSync(values.checkpoint, 'utf8')) as CheckpointRecord | CheckpointRecord[];
        external = Array.isArray(parsed) ? parsed : [parsed];
      }
      const ctx = await openContext(config, { migrate: false });
      try {
        const interactive = process.stderr.isTTY;
        let lastReported = -1;
        const started = Date.now();
        const result = await verifyJournal(ctx.db.knex, ctx.secrets.signing, {
          externalCheckpoints: external,
          onProgress: (checked, total) => {
            const percent = total ? Math.floor((checked / total) * 100) : 100;
            if (interactive) {
              process.stderr.write(`\rVerifying the journal: ${checked.toLocaleString('en')} / ${total.toLocaleString('en')} entries (${percent}%)`);
            } else if (percent >= lastReported + 10 || checked === total) {
              lastReported = percent;
              process.stderr.write(`Verifying the journal: ${checked} / ${total} entries (${percent}%)\n`);
            }
          },
        });
        if (interactive) process.stderr.write('\n');
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (result.ok) {
          console.log(`OK: ${result.entries} entries verified in ${seconds} s, ${result.checkpoints} signed checkpoint(s) match.`);
          console.log(`head ${result.headSeq} ${result.head}`);
          return 0;
        }
        const bad = result.firstBadEntry;
        console.log(`FAILED: first bad entry is ${bad.chain} #${bad.seq} (${bad.reason}): ${bad.message}`);
        return 1;
      } finally {
        await ctx.db.close();
      }
    }
    case 'checkpoint': {
      const ctx = await openContext(config);
      try {
        const cp = await createCheckpoint(ctx.db.knex, ctx.secrets.signing);
        console.log(JSON.stringify(cp ? { ...cp, publicKeyPem: ctx.secrets.signing.publicKeyPem } : { created: false, reason: 'the latest checkpoint already covers the head' }));
        return 0;
      } finally {
        await ctx.db.close();
      }
    }
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
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
    if (err instanceof AppError) {
      console.error(`${err.message}${err.details.length ? '\n' + err.details.map((d) => `  - ${d.field ? d.field + ': ' : ''}${d.message}`).join('\n') : ''}`);
      process.exit(1);
    }
    const e = err as { code?: string; message?: string };
    if (e?.code === 'ECONNREFUSED' || e?.code === '3D000' || e?.code === '28P01') {
      console.error(`Cannot reach the database: ${e.message}`);
      process.exit(3);
    }
    console.error(err);
    process.exit(1);
  },
);
