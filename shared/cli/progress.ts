import cliProgress from 'cli-progress';
import type { Sql } from '#shared/db/client.ts';
import { getJob } from '#shared/db/jobs.ts';
import { rateLimitWaits } from '#shared/db/task-waits.ts';
import { describeWait, progressFormat } from './progress-status.ts';

/**
 * Shows a progress bar with an ETA for the given jobs while `work` runs (tasks ended / tasks planned),
 * on stderr and only for a person at a terminal: scripts (--json, pipes) get no bar. While tasks wait
 * out a rate limit, the ETA gives way to the provider and when it resumes.
 */
export async function withJobProgress<T>(
  sql: Sql,
  jobIds: readonly number[],
  enabled: boolean,
  work: () => Promise<T>,
): Promise<T> {
  if (!enabled || !process.stderr.isTTY || jobIds.length === 0) return work();
  const bar = new cliProgress.SingleBar(
    {
      format: progressFormat,
      stream: process.stderr,
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const read = async () => {
    const jobs = await Promise.all(jobIds.map((id) => getJob(sql, id)));
    const now = new Date();
    return {
      total: jobs.reduce((n, j) => n + j.tasksTotal, 0),
      done: jobs.reduce((n, j) => n + j.tasksSucceeded + j.tasksFailed, 0),
      rows: jobs.reduce((n, j) => n + j.rowsUpserted, 0),
      wait: describeWait(await rateLimitWaits(sql, jobIds, now), now) ?? '',
    };
  };
  const first = await read();
  bar.start(first.total, first.done, { rows: first.rows, wait: first.wait });
  const timer = setInterval(() => {
    read().then(
      (p) => bar.update(p.done, { rows: p.rows, wait: p.wait }),
      () => {},
    );
  }, 300);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    const last = await read().catch(() => undefined);
    if (last) bar.update(last.done, { rows: last.rows, wait: last.wait });
    bar.stop();
  }
}
