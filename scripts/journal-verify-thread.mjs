// Launcher of server/journal/verify-thread.ts (a thread of `tachiai verify` on PostgreSQL; not a
// command for people): the TypeScript sources through tsx, like tachiai.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runVerifyThread } = await import('../server/journal/verify-thread.ts');
await runVerifyThread(parentPort, workerData);
