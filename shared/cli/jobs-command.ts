import type { Config } from '#shared/config.ts';
import { getJob, listJobs, listTasks } from '#shared/db/jobs.ts';
import { progressPct } from '#shared/domain/job.ts';
import { cleanText } from '#shared/domain/text.ts';
import { withDatabase } from './context.ts';
import { type Output, table } from './output.ts';
import { jobsTable, positiveInt } from './pipeline-commands.ts';
import { assertMigrated } from './read-only.ts';
import { createStatusLine } from './status-line.ts';

/** Widest error or warning shown in the task table; `--json` has the whole stored text. */
const CELL_LENGTH = 200;

/**
 * `jobs`: the newest jobs, or one job with per-task progress. `--watch` refreshes until the job ends
 * (run it beside a backfill in another terminal: both use the same embedded database).
 */
export async function jobsCommand(
  config: Config,
  out: Output,
  flags: { id?: string; watch: boolean; limit: string },
): Promise<number> {
  return withDatabase(config, async ({ sql }) => {
    await assertMigrated(sql, 'jobs');
    if (flags.id === undefined) {
      const jobs = await listJobs(sql, positiveInt(flags.limit, '--limit'));
      out.result(jobs, (js) => (js.length ? jobsTable(js) : 'no jobs yet'));
      return 0;
    }
    const id = positiveInt(flags.id, 'job id');
    const line = createStatusLine();
    for (;;) {
      const job = await getJob(sql, id);
      const tasks = await listTasks(sql, id);
      const finished = job.finishedAt !== null;
      if (!flags.watch || finished || out.json) {
        line.done();
        out.result({ job, progressPct: progressPct(job), tasks }, () =>
          [
            jobsTable([job]),
            `progress: ${progressPct(job)} %`,
            '',
            table([
              ['asset', 'range', 'status', 'attempts', 'rows', 'error / warnings'],
              ...tasks.map((t) => [
                t.symbol,
                `${t.rangeStart}..${t.rangeEnd}`,
                t.status,
                t.attempts,
                t.rowsUpserted,
                // Rows written before text was cleaned on the way in may still hold escapes or a megabyte.
                cleanText(t.error ?? t.warnings.join('; '), CELL_LENGTH),
              ]),
            ]),
          ].join('\n'),
        );
        return job.status === 'failure' || job.status === 'partial_failure' ? 1 : 0;
      }
      line.update(
        `job ${id}: ${job.status} ${progressPct(job)} % (${job.tasksSucceeded + job.tasksFailed}/${job.tasksTotal} tasks, ${job.rowsUpserted} rows)`,
      );
      await new Promise((r) => setTimeout(r, 1_000));
    }
  });
}
