/**
 * One "Example:" line per command's help, by command path (commands that add their own, such as
 * prices and actions, are not listed). The CLI convention test fails for a command without one.
 */
export const EXAMPLES: Record<string, string> = {
  start: 'npm run -s cli -- start --offline',
  backfill: 'npm run -s cli -- backfill --start 2024-01-01 --end 2024-12-31 --assets SPY,KRW-BTC --offline',
  jobs: 'npm run -s cli -- jobs 42 --watch',
  'jobs cancel': 'npm run -s cli -- jobs cancel 42',
  'jobs reap': 'npm run -s cli -- jobs reap --older-than 30',
  flags: 'npm run -s cli -- flags --kind gap --since 2024-01-01 --json',
  revisions: 'npm run -s cli -- revisions --assets AAPL --since 2024-06-01',
  freshness: 'npm run -s cli -- freshness --json',
  calendar: 'npm run -s cli -- calendar --calendar XKRX --start 2025-01-01 --end 2025-01-31',
  status: 'npm run -s cli -- status --json',
  migrate: 'npm run -s cli -- migrate',
  db: 'npm run -s cli -- db check',
  'db check': 'npm run -s cli -- db check --json',
  assets: 'npm run -s cli -- assets sync --dry-run',
  'assets sync': 'npm run -s cli -- assets sync --dry-run --json',
};
