import { CalendarRangeError, getCalendar } from '#shared/calendars/index.ts';
import type { CalendarId } from '#shared/calendars/types.ts';
import type { Config } from '#shared/config.ts';
import { getJob } from '#shared/db/jobs.ts';
import { isoDateSchema } from '#shared/domain/daily-bar.ts';
import { InputError, quote } from '#shared/domain/errors.ts';
import type { JobRun } from '#shared/domain/job.ts';
import { loadUniverse } from '#shared/universe/universe.ts';
import { checkFreshness, type FreshnessReport } from '#shared/usecases/freshness.ts';
import { collectMarket } from '#shared/usecases/plan-collection.ts';
import { drainJobs } from './drain-jobs.ts';
import { type Output, table } from './output.ts';
import { withPipeline } from './pipeline-context.ts';

const MARKETS: CalendarId[] = ['XNYS', 'XKRX', '24/7'];

/** `start`: the daily job. Collect every market's recent sessions, ingest them, report freshness. */
export async function startCommand(
  config: Config,
  out: Output,
  flags: { offline: boolean },
): Promise<number> {
  const universe = await loadUniverse(config.UNIVERSE_FILE);
  return withPipeline(config, { ...flags, command: 'start', universe }, async (runtime, db) => {
    const { sql, location } = db;
    out.info(`database: ${location}${flags.offline ? ' | providers: local market server (--offline)' : ''}`);
    const collections = [];
    for (const market of MARKETS) collections.push(await collectMarket(runtime.deps, market));
    const jobIds = collections.map((c) => c.jobId);
    out.info(
      `collecting ${collections.reduce((n, c) => n + c.tasks, 0)} tasks in ${jobIds.length} jobs (${jobIds.join(', ')})`,
    );
    const drained = await drainJobs(runtime, db, jobIds, !out.json);
    const jobs = await Promise.all(jobIds.map((id) => getJob(sql, id)));
    const freshness = await checkFreshness(runtime.deps);
    const ok = jobs.every((j) => j.status === 'success') && freshness.stale === 0;
    out.result({ ok, jobs, freshness, queue: drained }, () =>
      [jobsTable(jobs), '', freshnessText(freshness)].join('\n'),
    );
    return ok ? 0 : 1;
  });
}

/** `freshness`: latest stored session per asset against its calendar; exit 1 when anything is stale. */
export async function freshnessCommand(
  config: Config,
  out: Output,
  flags: { offline: boolean; repair: boolean },
): Promise<number> {
  return withPipeline(
    config,
    { ...flags, fetches: flags.repair, command: 'freshness' },
    async (runtime, db) => {
      runtime.deps.settings.autoRepair = flags.repair;
      const report = await checkFreshness(runtime.deps);
      if (report.repairJobId) await drainJobs(runtime, db, [report.repairJobId], !out.json);
      out.result(report, freshnessText);
      return report.stale === 0 ? 0 : 1;
    },
  );
}

/** `calendar`: the sessions of one exchange calendar between two dates. */
export async function calendarCommand(
  out: Output,
  flags: { calendar: string; start: string; end: string },
): Promise<number> {
  if (!MARKETS.includes(flags.calendar as CalendarId)) {
    throw new InputError(
      `calendar: unknown calendar ${quote(flags.calendar)}; use one of ${MARKETS.join(', ')}`,
    );
  }
  for (const [name, value] of [
    ['--start', flags.start],
    ['--end', flags.end],
  ] as const) {
    if (!isoDateSchema.safeParse(value).success) {
      throw new InputError(`calendar: ${name} ${quote(value)} is not a date YYYY-MM-DD`);
    }
  }
  if (flags.end < flags.start)
    throw new InputError(`calendar: --end ${flags.end} is before --start ${flags.start}`);
  let sessions: string[];
  try {
    sessions = getCalendar(flags.calendar as CalendarId).sessionsBetween(flags.start, flags.end);
  } catch (error) {
    if (error instanceof CalendarRangeError) throw new InputError(`calendar: ${error.message}`);
    throw error;
  }
  out.result({ calendar: flags.calendar, start: flags.start, end: flags.end, sessions }, (r) =>
    [...r.sessions, `${r.sessions.length} sessions`].join('\n'),
  );
  return 0;
}

export function jobsTable(jobs: readonly JobRun[]): string {
  return table([
    ['job', 'kind', 'market', 'range', 'status', 'tasks ok/failed/total', 'rows'],
    ...jobs.map((j) => [
      j.id,
      j.kind,
      j.market ?? '-',
      `${j.rangeStart}..${j.rangeEnd}`,
      j.status,
      `${j.tasksSucceeded}/${j.tasksFailed}/${j.tasksTotal}`,
      j.rowsUpserted,
    ]),
  ]);
}

function freshnessText(report: FreshnessReport): string {
  return [
    `freshness at ${report.checkedAt}: ${report.ok} OK, ${report.stale} STALE${
      report.suspectedDelisted ? `, ${report.suspectedDelisted} SUSPECTED_DELISTED` : ''
    }`,
    table([
      ['asset', 'calendar', 'latest', 'expected', 'status'],
      ...report.assets.map((a) => [a.symbol, a.calendar, a.latest ?? '-', a.expected, a.status]),
    ]),
    ...(report.repairJobId ? [`repair job ${report.repairJobId} started`] : []),
  ].join('\n');
}

export function positiveInt(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InputError(`${flag}: expected a positive whole number, got ${quote(value)}`);
  }
  return Number(value);
}
