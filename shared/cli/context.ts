import { join } from 'node:path';
import type { Config } from '#shared/config.ts';
import { asDatabaseGone } from '#shared/db/connection-lost.ts';
import { type Database, openDatabase } from '#shared/db/database.ts';
import { migrate } from '#shared/db/migrations.ts';
import { DRAIN_IN_FLIGHT } from '#shared/local/runtime.ts';

/**
 * Opens the database a CLI command works on (DATABASE_URL, or the embedded cluster under DATA_DIR),
 * runs the command and always closes it, stopping the embedded server when no other process uses it.
 * A connection lost mid-run surfaces as a one-line DatabaseGoneError.
 */
export async function withDatabase<T>(
  config: Config,
  work: (db: Database) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: join(config.DATA_DIR, 'postgres'),
    port: config.LOCAL_DB_PORT || undefined,
    applicationName: 'market-data-cli',
    max: DRAIN_IN_FLIGHT + 4,
  });
  try {
    // The seeds' lesson: a command never meets a table that was never migrated.
    if (options.migrate) await migrate(db.sql);
    return await work(db);
  } catch (error) {
    throw asDatabaseGone(error, db.location);
  } finally {
    await db.close();
  }
}
