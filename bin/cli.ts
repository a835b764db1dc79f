import { Command, Option } from 'commander';
import { actionsCommand } from '#shared/cli/actions-command.ts';
import { assetsSyncCommand } from '#shared/cli/assets-command.ts';
import { backfillCommand } from '#shared/cli/backfill-command.ts';
import { consoleCommand, defineConsoleCommand } from '#shared/cli/console-command.ts';
import { addExamples, followConventions } from '#shared/cli/conventions.ts';
import { dbCheckCommand, migrateCommand, statusCommand } from '#shared/cli/db-commands.ts';
import { registerDbUrlCommands } from '#shared/cli/db-url-commands.ts';
import { loadEnvFile } from '#shared/cli/env-file.ts';
import { EXAMPLES } from '#shared/cli/examples.ts';
import { exportFormatOption } from '#shared/cli/export-command.ts';
import { flagsCommand } from '#shared/cli/flags-command.ts';
import { handleStopSignals } from '#shared/cli/interrupt.ts';
import { jobsCancelCommand, jobsReapCommand } from '#shared/cli/job-lifecycle-commands.ts';
import { jobsCommand } from '#shared/cli/jobs-command.ts';
import { calendarCommand, freshnessCommand, startCommand } from '#shared/cli/pipeline-commands.ts';
import { pricesCommand } from '#shared/cli/prices-command.ts';
import { revisionsCommand } from '#shared/cli/revisions-command.ts';
import { run } from '#shared/cli/run-command.ts';

const HELP_AFTER = `
Examples:
  npm start -- --offline                                   daily collection against the local market server
  npm run cli -- backfill --start 2024-01-01 --end 2024-12-31 --assets SPY,KRW-BTC
  npm run cli -- backfill --retry-failed 42                re-run only the failed tasks of job 42
  npm run cli -- jobs 42 --watch                           follow a job's progress
  npm run cli -- calendar --calendar XKRX --start 2025-01-01 --end 2025-01-31

Without DATABASE_URL the commands use an embedded PostgreSQL in .data/. Settings come from the
environment and .env (the environment wins); .env.example lists them all.
Scripts: \`npm run -s cli -- status --json\` or \`npx market-data status --json\` (stdout is JSON only).`;

const offline = new Option('--offline', 'use the local market server instead of Yahoo and Upbit').default(
  false,
);

loadEnvFile();
const program = followConventions(new Command('market-data'))
  .description(
    'Daily OHLCV for US, KRX and crypto markets into PostgreSQL: the same pipeline as on AWS, run locally.',
  )
  .option('--json', 'print one machine-readable JSON result on stdout', false)
  .addHelpText('after', HELP_AFTER);

program
  .command('start')
  .description('the main job: migrate, collect the last sessions of every market, ingest, report freshness')
  .addOption(offline)
  .action(run(startCommand));
program
  .command('backfill')
  .description(
    'fetch a date range for some or all assets (chunked per asset), or retry the failed tasks of a job',
  )
  .option('--start <date>', 'first date, YYYY-MM-DD')
  .option('--end <date>', 'last date, YYYY-MM-DD (clipped to the last completed session)')
  .option('--assets <symbols>', 'comma-separated symbols (default: every active asset)')
  .option('--dry-run', 'print the plan; write and fetch nothing', false)
  .option('--skip-existing', 'skip chunks that already have a bar for every session', false)
  .option('--retry-failed <job>', 're-run only the failed tasks of this job')
  .addOption(offline)
  .action(run(backfillCommand));
const jobs = program
  .command('jobs [id]')
  .description('list the newest jobs, or show one job with per-task progress')
  .option('--watch', 'refresh until the job ends', false)
  .option('--limit <n>', 'how many jobs to list', '20')
  .action(run(jobsCommand));
jobs
  .command('cancel <id>')
  .description(
    'end an unfinished job: its unfinished tasks become cancelled (retry them with --retry-failed)',
  )
  .action(run(jobsCancelCommand));
jobs
  .command('reap')
  .description(
    'fail tasks past their deadline (running with no progress, or never started) so their jobs end',
  )
  .option(
    '--older-than <minutes>',
    'one deadline in minutes for both instead of the defaults (60 running, 75 pending)',
  )
  .action(run(jobsReapCommand));
program
  .command('flags')
  .description('data-quality findings: rejected bars, moves over 30 %, sessions missing against the calendar')
  .option('--kind <kind>', 'rejected_bar, large_move, gap, rebased, closed_day_bar or suspected_delisted')
  .option('--asset <symbol>', 'one asset only')
  .option('--since <date>', 'sessions from this date, YYYY-MM-DD')
  .option('--limit <n>', 'how many to list', '100')
  .action(run(flagsCommand));
program
  .command('revisions')
  .description('changes to stored bars: old and new values, cause, job and task (reads only)')
  .option('--assets <symbols>', 'comma-separated symbols')
  .option('--since <date>', 'revisions recorded from this date (UTC), YYYY-MM-DD')
  .option('--limit <n>', 'how many to list', '100')
  .action(run(revisionsCommand));
program
  .command('freshness')
  .description('latest stored session per asset vs. its exchange calendar (exit 1 when stale)')
  .option('--repair', 'start and run a repair job for the missing ranges', false)
  .addOption(offline)
  .action(run(freshnessCommand));
program
  .command('calendar')
  .description('the trading sessions of a calendar between two dates')
  .requiredOption('--calendar <id>', 'XNYS, XKRX or 24/7')
  .requiredOption('--start <date>', 'first date, YYYY-MM-DD')
  .requiredOption('--end <date>', 'last date, YYYY-MM-DD')
  .action(
    run((_config, out, flags: { calendar: string; start: string; end: string }) =>
      calendarCommand(out, flags),
    ),
  );
program
  .command('prices')
  .description('stored daily bars: as traded (default), split-adjusted or total-return adjusted; reads only')
  .option('--assets <symbols>', 'comma-separated symbols (every asset when exporting with --output)')
  .requiredOption('--start <date>', 'first session, YYYY-MM-DD')
  .requiredOption('--end <date>', 'last session, YYYY-MM-DD')
  .addOption(
    new Option('--adjust <basis>', 'none (as traded), splits, or total (splits and dividends)')
      .choices(['none', 'splits', 'total'])
      .default('none'),
  )
  .option('--csv', 'print CSV with a header row', false)
  .addOption(exportFormatOption)
  .option('--output <file>', 'export to this file (written whole or not at all), with a progress bar')
  .addHelpText(
    'after',
    '\nExamples:\n  npm run -s cli -- prices --assets SPY,AAPL --start 2024-01-01 --end 2024-03-31 --adjust total --csv\n  npm run -s cli -- prices --start 1995-01-01 --end 2024-12-31 --output prices.parquet',
  )
  .action(run(pricesCommand));
program
  .command('actions')
  .description('stored corporate actions (splits, cash dividends as paid) of some assets; reads only')
  .requiredOption('--assets <symbols>', 'comma-separated symbols')
  .addHelpText('after', '\nExample:\n  npm run -s cli -- actions --assets AAPL --json')
  .action(run(actionsCommand));
defineConsoleCommand(program).action(run(consoleCommand));
program
  .command('status')
  .description('summarise what is stored per calendar (reads only; never migrates or syncs)')
  .action(run(statusCommand));
program.command('migrate').description('apply pending database migrations').action(run(migrateCommand));
const db = program.command('db').description('database maintenance, and how to connect to it');
registerDbUrlCommands(db, run);
db.command('check')
  .description('compare the live schema with what the migrations define (exit 1 on drift)')
  .action(run(dbCheckCommand));

program
  .command('assets')
  .description('the asset universe')
  .command('sync')
  .description('make the assets table match the universe file (UNIVERSE_FILE) and print the diff')
  .option('--dry-run', 'print what would change; write nothing', false)
  .action(run(assetsSyncCommand));

addExamples(program, EXAMPLES);
handleStopSignals();
await program.parseAsync(process.argv);
