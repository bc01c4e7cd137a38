// Makes a new embedded database directory already migrated to this version's schema, in a
// process of its own, then exits (db/connection.ts keeps it as the migrated template, see
// ./embedded-template.ts). A process of its own for the reason ./embedded-initdb.mjs gives: the
// WebAssembly memory of a database that was opened and closed is not given back to the system.
// Usage: node --import tsx db/embedded-migrated.ts DIR SHARED_BUFFERS (the database goes in DIR/pgdata)
import { createDatabase } from './connection.js';
import { migrateToLatest } from './migrate.js';

const [dir, sharedBuffers] = process.argv.slice(2);
if (!dir || !sharedBuffers) {
  process.stderr.write('usage: node --import tsx db/embedded-migrated.ts DIR SHARED_BUFFERS\n');
  process.exit(2);
}
const db = await createDatabase({ embeddedDir: dir, embeddedSharedBuffers: sharedBuffers, embeddedWasm: 'baseline' });
try {
  await migrateToLatest(db.knex);
} finally {
  await db.close();
}
