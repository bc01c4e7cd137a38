// Creates a new embedded database directory (PGlite's initdb) in a process of its own, then exits.
// Done in the server's own process, initdb leaves 500–700 MB of WASM memory behind that is never
// given back; a reopened directory starts at a fraction of that (issue 17, item 9).
// Usage: node db/embedded-initdb.mjs PGDATA SHARED_BUFFERS
import { PGlite } from '@electric-sql/pglite';

const [dataDir, sharedBuffers] = process.argv.slice(2);
if (!dataDir || !sharedBuffers) {
  process.stderr.write('usage: node db/embedded-initdb.mjs PGDATA SHARED_BUFFERS\n');
  process.exit(2);
}
const pglite = new PGlite({ dataDir, startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`] });
await pglite.waitReady;
await pglite.close();
