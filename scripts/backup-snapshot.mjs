// Launcher of server/backup/snapshot-writer.ts (a backup's reader of the embedded copy, started by
// the server; not a command for people): the TypeScript sources through tsx, like tachiai.mjs.
import { register } from 'tsx/esm/api';

register();
const { runSnapshotWriter } = await import('../server/backup/snapshot-writer.ts');
try {
  process.exitCode = await runSnapshotWriter(process.stdin);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
