// What every module receives: configuration, the database, the secrets and the logger.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from '../db/connection.js';
import type { Secrets } from './secrets.js';

export interface AppContext {
  config: Config;
  db: Database;
  secrets: Secrets;
  logger: Logger;
}
