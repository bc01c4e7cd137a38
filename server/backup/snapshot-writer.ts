// The reader of the embedded database's copy during a backup (issue 17, item 5), run by
// backup.ts's startSnapshotReader() in a process of its own through scripts/backup-snapshot.mjs: the
// server keeps its thread and memory for the door while this process reads a million rows (its
// memory goes when it exits; optimised WebAssembly would cost 70 MB more here and gain nothing —
// JSON, gzip and sealing are the work, not the reads).
//
// In: on stdin, JSON { snapshotDir, file, actor, dbName, keys (what the header says of the keys),
// backupKey (base64) }; the open backup file as descriptor 3. Out: JSON lines on stdout — { progress } as it
// goes, { done: { summary, fileSha256 } } at the end; exit 0. A failure: a message on stderr, exit 1.
import { z } from 'zod';
import { createDatabase, loadEmbeddedModules } from '../../db/connection.js';
import { writeContent } from './backup.js';

const Input = z.strictObject({
  snapshotDir: z.string().min(1),
  file: z.string().min(1),
  actor: z.string().min(1),
  dbName: z.string().min(1),
  keys: z.strictObject({ signingKeyId: z.string(), signingPublicKeyPem: z.string(), badgeKeyFingerprint: z.string(), pinPepperFingerprint: z.string() }),
  backupKey: z.string().min(1),
});

/** The copy is read once, in order: little of it needs to stay in memory. */
const SNAPSHOT_SHARED_BUFFERS = '16MB';
const BACKUP_FD = 3;

export async function runSnapshotWriter(stdin: NodeJS.ReadStream): Promise<number> {
  // Started while the server copies the files: the database's modules load meanwhile.
  void loadEmbeddedModules().catch(() => undefined);
  stdin.setEncoding('utf8');
  let text = '';
  for await (const chunk of stdin) text += String(chunk);
  const input = Input.parse(JSON.parse(text));
  const db = await createDatabase({ embeddedDir: input.snapshotDir, embeddedSharedBuffers: SNAPSHOT_SHARED_BUFFERS });
  try {
    const say = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
    const done = await writeContent(db.knex, BACKUP_FD, { kind: db.kind, dbName: input.dbName, actor: input.actor, file: input.file, keys: input.keys, backupKey: Buffer.from(input.backupKey, 'base64'), onProgress: (progress) => say({ progress }) });
    say({ done });
    return 0;
  } finally {
    await db.close();
  }
}
