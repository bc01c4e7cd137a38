// `tachiai secrets export --out FILE` / `tachiai secrets import --in FILE` (issue 17, item 3): the
// secrets escrow. The passphrase comes from --passphrase-file, or TACHIAI_ESCROW_PASSPHRASE, or is
// typed at the terminal (twice for an export), never from the command line itself (it would show
// in the process list and the shell's history).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import type { Config } from '../server/config.js';
import { osUser } from '../server/shared/os-user.js';

export class SecretsUsageError extends Error {}

/** Reads a line from the terminal without echoing it. */
async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new SecretsUsageError('No passphrase: give --passphrase-file FILE or TACHIAI_ESCROW_PASSPHRASE, or run this at a terminal.');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  let asking = true;
  out._writeToOutput = (s: string) => {
    if (!asking || s.includes(question)) out.output.write(s);
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    asking = false;
    process.stderr.write('\n');
    rl.close();
  }
}

async function passphrase(file: string | undefined, confirm: boolean): Promise<string> {
  if (file) return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  const fromEnv = process.env.TACHIAI_ESCROW_PASSPHRASE;
  if (fromEnv) return fromEnv;
  const first = await promptHidden('Passphrase for the escrow file: ');
  if (confirm && (await promptHidden('The same passphrase again: ')) !== first) throw new SecretsUsageError('The two passphrases differ. Nothing was written.');
  return first;
}

export async function runSecretsCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { openEscrow, sealEscrow, writeSecretFiles, checkPassphrase, EscrowError } = await import('../server/system/escrow.js');
  if (sub === 'export') {
    const { values } = parseArgs({ args: rest, options: { out: { type: 'string' }, 'passphrase-file': { type: 'string' } }, strict: true });
    if (!values.out) throw new SecretsUsageError('secrets export needs --out FILE');
    const out = path.resolve(values.out);
    if (fs.existsSync(out)) throw new EscrowError(`${out} already exists; choose another name (an escrow file is never overwritten).`);
    const phrase = await passphrase(values['passphrase-file'], true);
    checkPassphrase(phrase);
    // The secrets this server uses, checked against the database's record, then recorded as escrowed.
    const { openContext } = await import('../server/runtime.js');
    const { siteOf } = await import('../server/system/site.js');
    const { recordEscrow } = await import('../server/system/shared-secrets.js');
    const { secretsFingerprint } = await import('../server/system/escrow.js');
    const ctx = await openContext(config);
    try {
      const site = await siteOf(ctx);
      const text = sealEscrow(ctx.secrets, phrase, site.id);
      fs.writeFileSync(out, text, { flag: 'wx', mode: 0o600 });
      const at = await recordEscrow(ctx.db.knex, secretsFingerprint(ctx.secrets), { actor: `cli:${osUser()}`, host: os.hostname(), file: path.basename(out) });
      console.log(`Secrets of site ${site.id} written to ${out} (fingerprint ${secretsFingerprint(ctx.secrets)}), encrypted under the passphrase; recorded as escrowed at ${at.toISOString()}.`);
      console.log('Keep the file and the passphrase offline and apart (e.g. the file on a medium in the safe, the passphrase with the responsible person).');
      return 0;
    } finally {
      await ctx.db.close();
    }
  }
  if (sub === 'import') {
    const { values } = parseArgs({ args: rest, options: { in: { type: 'string' }, 'passphrase-file': { type: 'string' } }, strict: true });
    if (!values.in) throw new SecretsUsageError('secrets import needs --in FILE');
    const from = path.resolve(values.in);
    if (!fs.existsSync(from)) throw new EscrowError(`${from} does not exist.`);
    const opened = openEscrow(fs.readFileSync(from, 'utf8'), await passphrase(values['passphrase-file'], false), from);
    // Secrets set in the environment win over files: a different one would make the import useless.
    const env: Array<[string, string | undefined, string]> = [
      ['JWT_SECRET', config.jwtSecret, opened.files['jwt-secret']],
      ['BADGE_SECRET', config.badgeSecret, opened.files['badge-secret']],
      ['PIN_PEPPER', config.pinPepper, opened.files['pin-pepper']],
      ['BACKUP_KEY', config.backupKey, opened.files['backup-key']],
    ];
    const clash = env.filter(([, set, escrowed]) => set !== undefined && set.trim() !== escrowed.trim()).map(([name]) => name);
    if (config.signingKey) clash.push('SIGNING_KEY');
    if (clash.length) throw new EscrowError(`${clash.join(', ')} ${clash.length > 1 ? 'are' : 'is'} set in the environment and would override the escrowed value: unset ${clash.length > 1 ? 'them' : 'it'} first. Nothing was imported.`);
    const { written, same } = writeSecretFiles(config.dataDir, opened.files);
    console.log(
      `Secrets of site ${opened.site} (fingerprint ${opened.fingerprint}, escrowed ${opened.createdAt}) imported into ${path.join(config.dataDir, 'secrets')}: ` +
        `${written.length} written${same.length ? `, ${same.length} already the same` : ''}.`,
    );
    return 0;
  }
  throw new SecretsUsageError('secrets needs "export --out FILE" or "import --in FILE"');
}
