import type { Command } from 'commander';
import type { Config } from '#shared/config.ts';
import { redact } from '#shared/db/database.ts';
import { InputError } from '#shared/domain/errors.ts';
import { withDatabase } from './context.ts';
import { stoppable } from './interrupt.ts';
import type { Output } from './output.ts';
import { assertMigrated } from './read-only.ts';
import { prepareLocalReader } from './reader-access.ts';
import { serveHelp } from './serve-help.ts';

/** bin/cli.ts's wrapper: config, output, flags in; exit code out (errors mapped there). */
type Run = <F>(
  action: (config: Config, out: Output, flags: F) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

const SERVE_NOTE =
  'the embedded server is up only while a command runs: keep `npm run cli -- db serve` running to connect with this URL';

/** Adds `db url` and `db serve` to the `db` command. */
export function registerDbUrlCommands(db: Command, run: Run): void {
  db.command('url')
    .description('print a connection string for psql, DBeaver, pandas or DuckDB (the admin login by default)')
    .option('--read-only', "the read-only login's URL instead (it may SELECT, never write)", false)
    .addHelpText(
      'after',
      '\nExample:\n  psql "$(npm run -s cli -- db url --read-only)" -c "SELECT count(*) FROM prices_daily"',
    )
    .action(run(dbUrlCommand));
  db.command('serve')
    .description(
      'migrate, then keep the embedded server up until Ctrl-C, printing its URLs (local runs only)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  npm run -s cli -- db serve      # then, in another terminal: psql "<read-only URL>"',
    )
    .action(run(dbServeCommand));
}

/**
 * `db url [--read-only]`. Embedded: the URL with the port the server listens on (LOCAL_DB_PORT), the
 * reader's made current first. Remote: DATABASE_URL or READER_DATABASE_URL, password hidden (they are
 * the user's own settings). Throws InputError when --read-only is asked remotely without
 * READER_DATABASE_URL, or the embedded database is not migrated.
 */
export async function dbUrlCommand(
  config: Config,
  out: Output,
  flags: { readOnly?: boolean },
): Promise<number> {
  const readOnly = flags.readOnly === true;
  if (config.DATABASE_URL) {
    const url = readOnly ? config.READER_DATABASE_URL : config.DATABASE_URL;
    if (!url)
      throw new InputError(
        "url: --read-only with DATABASE_URL set needs READER_DATABASE_URL, the read-only login's URL (see docs/DEPLOY.md); set it in .env or the environment",
      );
    out.result({ url: redact(url), readOnly, embedded: false }, (r) => r.url);
    return 0;
  }
  const url = await withDatabase(config, async (db) => {
    if (!readOnly) return db.url;
    await assertMigrated(db.sql, 'url');
    return prepareLocalReader(config, db);
  });
  out.result({ url, readOnly, embedded: true, note: SERVE_NOTE }, (r) => r.url);
  // A pipe ($(...), | clip) gets the URL alone; the note goes where a person still sees it.
  if (!out.json) (process.stdout.isTTY ? process.stdout : process.stderr).write(`(${SERVE_NOTE})\n`);
  return 0;
}

/**
 * `db serve`: migrates, makes the reader's login current, prints both URLs and examples, then holds
 * the server lease until SIGINT/SIGTERM (other commands share the server meanwhile); the lease's
 * release then stops the server unless another command still uses it.
 * @throws InputError when DATABASE_URL is set (there is no embedded server to keep up).
 */
export async function dbServeCommand(config: Config, out: Output): Promise<number> {
  if (config.DATABASE_URL)
    throw new InputError(
      'serve: DATABASE_URL is set, so there is no embedded server to keep up; connect to that database directly (db url prints it)',
    );
  return withDatabase(
    config,
    async (db) => {
      const readerUrl = await prepareLocalReader(config, db);
      out.result({ adminUrl: db.url, readerUrl, dataDir: db.location }, serveHelp);
      const stoppedBy = await stoppable(
        untilStopped,
        'stopping the embedded server (unless another command still uses it)',
      );
      return stoppedBy === 'SIGHUP' ? 129 : 0;
    },
    { migrate: true },
  );
}

/**
 * Resolves on the stop signal, or on SIGHUP (the terminal was closed: release the lease rather than
 * die holding it). The interval keeps the process alive (a pending promise alone does not).
 */
function untilStopped(signal: AbortSignal): Promise<'SIGHUP' | 'signal'> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 60_000);
    const done = (by: 'SIGHUP' | 'signal') => () => {
      clearInterval(keepAlive);
      process.off('SIGHUP', onHangUp);
      resolve(by);
    };
    const onHangUp = done('SIGHUP');
    process.once('SIGHUP', onHangUp);
    if (signal.aborted) done('signal')();
    else signal.addEventListener('abort', done('signal'), { once: true });
  });
}
