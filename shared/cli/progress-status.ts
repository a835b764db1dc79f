import cliProgress from 'cli-progress';
import type { RateLimitWait } from '#shared/db/task-waits.ts';

/** The progress line while tasks run, and while they wait out a provider's rate limit instead. */
const RUNNING_FORMAT = ' {bar} {percentage}% | {value}/{total} tasks | {rows} rows | ETA {eta_formatted}';
const WAITING_FORMAT = ' {bar} {percentage}% | {value}/{total} tasks | {rows} rows | {wait}';

/** The bar's format: the ETA while tasks run; the `wait` payload (see describeWait) while they wait. */
export const progressFormat: cliProgress.GenericFormatter = (options, params, payload) =>
  cliProgress.Format.Formatter(
    { ...options, format: payload.wait ? WAITING_FORMAT : RUNNING_FORMAT },
    params,
    payload,
  );

/**
 * What the progress line says instead of an ETA while tasks wait out rate limits: which provider, how
 * many tasks and when they resume (UTC), e.g. "yahoo rate-limited (3 tasks), resumes 10:42:05 UTC
 * (in 4 min)". Undefined when nothing waits, so the ETA shows.
 */
export function describeWait(waits: readonly RateLimitWait[], now: Date): string | undefined {
  const active = waits.filter((w) => w.until > now);
  if (active.length === 0) return undefined;
  return active
    .map((w) => {
      const minutes = Math.max(1, Math.ceil((w.until.getTime() - now.getTime()) / 60_000));
      const tasks = `${w.tasks} task${w.tasks === 1 ? '' : 's'}`;
      return `${w.provider} rate-limited (${tasks}), resumes ${w.until.toISOString().slice(11, 19)} UTC (in ${minutes} min)`;
    })
    .join('; ');
}
