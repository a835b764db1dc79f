import type { Command } from 'commander';
import * as z from 'zod';
import type { Config } from '#shared/config.ts';
import { startConsole } from '#shared/console/server.ts';
import { type Database, openDatabase } from '#shared/db/database.ts';
import { InputError } from '#shared/domain/errors.ts';
import { withDatabase } from './context.ts';
import { stoppable } from './interrupt.ts';
import type { Output } from './output.ts';
import { assertMigrated } from './read-only.ts';
import { prepareLocalReader } from './reader-access.ts';

/** Where the console listens unless --port says otherwise (0: any free port). */
export const DEFAULT_CONSOLE_PORT = 8321;

const portSchema = z.coerce.number().int().min(0).max(65_535);

/** Adds `console` and its options to the program; the caller attaches the action. */
export function defineConsoleCommand(program: Command): Command {
  return program
    .command('console')
    .description(
      'a web console on 127.0.0.1: jobs with live progress, freshness, quality, charts; reads only',
    )
    .option('--port <n>', `TCP port on 127.0.0.1 (0: any free port)`, String(DEFAULT_CONSOLE_PORT))
    .addHelpText(
      'after',
      [
        '\nExamples:',
        '  npm run cli -- console --port 8321        then open http://127.0.0.1:8321/ (Ctrl-C stops it)',
        '  npm run -s cli -- --json console --port 0 prints {"url":"http://127.0.0.1:PORT/"} on stdout',
      ].join('\n'),
    );
}

/**
 * `console`: serves the web console over the read-only login until Ctrl-C (exit 130). Locally the
 * embedded cluster's reader login is made current first; with DATABASE_URL, READER_DATABASE_URL names
 * the read-only login. Prints the URL (--json: `{"url": ...}`).
 * @throws InputError on a bad --port, a taken port, a missing READER_DATABASE_URL or an unmigrated
 *   embedded database.
 */
export async function consoleCommand(config: Config, out: Output, flags: { port: string }): Promise<number> {
  const port = portSchema.safeParse(flags.port);
  if (!port.success) throw new InputError(`console: --port ${flags.port} is not a port number (0-65535)`);
  if (config.DATABASE_URL) {
    const readerUrl = config.READER_DATABASE_URL;
    if (!readerUrl) {
      throw new InputError(
        'console: with DATABASE_URL set, set READER_DATABASE_URL to a read-only login (postgres://...; see docs/DEPLOY.md)',
      );
    }
    return serveOver(readerUrl, port.data, out);
  }
  return withDatabase(config, async (db) => {
    await assertMigrated(db.sql, 'console');
    return serveOver(await prepareLocalReader(config, db), port.data, out);
  });
}

async function serveOver(readerUrl: string, port: number, out: Output): Promise<number> {
  const reader: Database = await openDatabase({
    url: readerUrl,
    applicationName: 'market-data-console',
    max: 4,
  });
  try {
    const server = await startConsole({ sql: reader.sql, port });
    out.result({ url: server.url }, ({ url }) => `console: ${url} (reads only; Ctrl-C stops it)`);
    await stoppable(
      (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      'stopping the console',
    );
    await server.close();
    return 0;
  } finally {
    await reader.close();
  }
}
