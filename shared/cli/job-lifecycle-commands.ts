import type { Config } from '#shared/config.ts';
import { InputError, quote } from '#shared/domain/errors.ts';
import { cancelJob } from '#shared/usecases/cancel-job.ts';
import { reapOverdueTasks } from '#shared/usecases/reap-tasks.ts';
import type { Output } from './output.ts';
import { jobsTable, positiveInt } from './pipeline-commands.ts';
import { withPipeline } from './pipeline-context.ts';

/** `jobs cancel ID`: end an unfinished job and its unfinished tasks as cancelled; nothing else is written. */
export async function jobsCancelCommand(
  config: Config,
  out: Output,
  flags: { id?: string },
): Promise<number> {
  const jobId = positiveInt(flags.id ?? '', 'job id');
  return withPipeline(config, { offline: false, fetches: false, command: 'jobs' }, async (runtime) => {
    const result = await cancelJob(runtime.deps, jobId);
    out.result(result, (r) =>
      [
        `job ${jobId} cancelled: ${r.tasksCancelled} unfinished tasks cancelled`,
        jobsTable([r.job]),
        `re-run the cancelled tasks with: backfill --retry-failed ${jobId}`,
      ].join('\n'),
    );
    return 0;
  });
}

/**
 * `jobs reap [--older-than MINUTES]`: fail the tasks nobody will finish (running with no progress, or
 * never started, past their deadline) so their jobs end; exit 1 when it ended any (something had died).
 */
export async function jobsReapCommand(
  config: Config,
  out: Output,
  flags: { olderThan?: string },
): Promise<number> {
  const olderThanMinutes = flags.olderThan === undefined ? undefined : minutes(flags.olderThan);
  return withPipeline(config, { offline: false, fetches: false, command: 'jobs' }, async (runtime) => {
    const { running, pending } = await reapOverdueTasks(runtime.deps, { olderThanMinutes });
    const jobs = [...new Set([...running.jobIds, ...pending.jobIds])].sort((a, b) => a - b);
    const finished = [...new Set([...running.finishedJobIds, ...pending.finishedJobIds])];
    const reaped = { runningTasks: running.tasks, pendingTasks: pending.tasks, jobs, finishedJobs: finished };
    out.result(reaped, (r) =>
      r.jobs.length === 0
        ? 'nothing to reap: no task is past its deadline'
        : [
            `reaped ${r.runningTasks} running and ${r.pendingTasks} pending tasks of jobs ${r.jobs.join(', ')}`,
            ...r.finishedJobs.map((id) => `job ${id} ended; retry it with: backfill --retry-failed ${id}`),
          ].join('\n'),
    );
    return jobs.length === 0 ? 0 : 1;
  });
}

function minutes(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InputError(`--older-than: expected whole minutes (0 or more), got ${quote(value)}`);
  }
  return Number(value);
}
