// What every module receives: configuration, the database, the secrets, the logger, and the
// workers and per-database services running on this database (server/workers.ts).
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from '../db/connection.js';
import type { Secrets } from './secrets.js';
import { Workers } from './workers.js';

export interface AppContext {
  config: Config;
  db: Database;
  secrets: Secrets;
  logger: Logger;
  workers: Workers;
}

/** A context over one database, with its own (empty) set of workers. */
export function createContext(parts: Omit<AppContext, 'workers'>): AppContext {
  return { ...parts, workers: new Workers(parts.logger) };
}
