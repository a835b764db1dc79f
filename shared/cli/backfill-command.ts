import type { Config } from '#shared/config.ts';
import { getJob } from '#shared/db/jobs.ts';
import { utcDate } from '#shared/domain/dates.ts';
import { InputError, quote } from '#shared/domain/errors.ts';
import { loadUniverse } from '#shared/universe/universe.ts';
import { backfillRequestSchema, planBackfill } from '#shared/usecases/plan-backfill.ts';
import { drainJobs } from './drain-jobs.ts';
import { flagError } from './flag-errors.ts';
import { type Output, table } from './output.ts';
import { jobsTable, positiveInt } from './pipeline-commands.ts';
import { assertProvidersReachable, withPipeline } from './pipeline-context.ts';

export interface BackfillFlags {
  start?: string;
  end?: string;
  assets?: string;
  dryRun: boolean;
  skipExisting: boolean;
  retryFailed?: string;
  offline: boolean;
}

const FLAG_OF = { retryFailedOf: '--retry-failed' };

/**
 * `backfill`: plan a date range (or the failed tasks of a job), ingest it, report the job.
 * 1. Check the flags without the database; an --end after today is clipped to today, with a note.
 * 2. Check the named assets against the universe file, then migrate and sync it (not for a dry run or
 *    a retry, which reads the job's own assets).
 * 3. Plan; a plan of 0 tasks says so and creates no job. Otherwise record the job, drain it, report it.
 * A rejected request (exit 2) has changed nothing.
 */
export async function backfillCommand(config: Config, out: Output, flags: BackfillFlags): Promise<number> {
  const request = parseFlags(flags);
  // A dry run writes nothing, and a retry re-runs its job's own assets: neither syncs the universe.
  const syncs = !flags.dryRun && request.retryFailedOf === undefined;
  const universe = syncs ? await loadUniverse(config.UNIVERSE_FILE) : undefined;
  const listed = new Set(universe?.assets.map((a) => a.symbol));
  const unlisted = universe && request.assets?.find((s) => !listed.has(s));
  if (unlisted !== undefined)
    throw new InputError(
      `backfill: unknown asset ${quote(unlisted)} in --assets; add it to the universe first`,
    );
  return withPipeline(
    config,
    { ...flags, fetches: false, command: 'backfill', universe },
    async (runtime, db) => {
      const preview = await planBackfill(runtime.deps, { ...request, dryRun: true });
      if (flags.dryRun || preview.tasks.length === 0) {
        out.result({ ...preview, jobId: null }, (p) =>
          [
            `${flags.dryRun ? 'dry run' : 'nothing to do'}: ${p.tasks.length} tasks, ${p.skipped} chunks already complete; no job was created`,
            ...(p.tasks.length
              ? [
                  table([
                    ['asset', 'start', 'end', 'sessions'],
                    ...p.tasks.map((t) => [t.symbol, t.start, t.end, t.sessions]),
                  ]),
                ]
              : []),
          ].join('\n'),
        );
        return 0;
      }
      if (!flags.offline) await assertProvidersReachable(config);
      const plan = await planBackfill(runtime.deps, request);
      const jobId = plan.jobId as number;
      out.info(`job ${jobId}: ${plan.tasks.length} tasks (${plan.skipped} chunks skipped as complete)`);
      await drainJobs(runtime, db, [jobId], !out.json);
      const job = await getJob(db.sql, jobId);
      out.result({ job, skipped: plan.skipped }, ({ job }) => jobsTable([job]));
      return job.status === 'success' ? 0 : 1;
    },
  );
}

/** The flags as a backfill request, every problem named by its flag. @throws InputError */
function parseFlags(flags: BackfillFlags) {
  const raw = {
    start: flags.start,
    end: flags.end,
    assets: flags.assets
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    dryRun: flags.dryRun,
    skipExisting: flags.skipExisting,
    retryFailedOf:
      flags.retryFailed === undefined ? undefined : positiveInt(flags.retryFailed, '--retry-failed'),
  };
  const parsed = backfillRequestSchema.safeParse(raw);
  if (!parsed.success) throw flagError('backfill', parsed.error.issues[0], FLAG_OF);
  const request = parsed.data;
  if (request.retryFailedOf !== undefined && (request.start || request.end || request.assets))
    throw new InputError(
      'backfill: --retry-failed takes the failed tasks as they were; drop --start, --end and --assets',
    );
  if (request.retryFailedOf === undefined) {
    if (!request.start || !request.end)
      throw new InputError(
        'backfill: give both --start and --end (YYYY-MM-DD), or --retry-failed with a job id',
      );
    if (request.end < request.start)
      throw new InputError(`backfill: --end ${request.end} is before --start ${request.start}`);
    const today = utcDate(new Date());
    if (request.start > today)
      throw new InputError(`backfill: --start ${request.start} is in the future (today is ${today} UTC)`);
    if (request.end > today) {
      // As the help says: the range ends at the last completed session anyway.
      process.stderr.write(
        `backfill: --end ${request.end} is in the future; clipped to today, ${today} (UTC)\n`,
      );
      request.end = today;
    }
  }
  return request;
}
