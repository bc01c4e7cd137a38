// Launcher of server/backup/restore-reader.ts (the restore's reader thread, started by the
// restore; not a command for people): the TypeScript sources through tsx, like tachiai.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runRestoreReader } = await import('../server/backup/restore-reader.ts');
await runRestoreReader(parentPort, workerData);
