// Launcher of db/copy-tree.ts's thread (the online copy of the embedded database's files, started
// by a backup; not a command for people): the TypeScript sources through tsx, like tachiai.mjs.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCopyTreeThread } = await import('../db/copy-tree.ts');
runCopyTreeThread(parentPort);
