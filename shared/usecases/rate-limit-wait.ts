import { noteRateLimited } from '#shared/db/task-waits.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { PipelineDeps } from './deps.ts';

/** SQS's largest DelaySeconds: a longer wait is several re-sends. */
export const MAX_DELAY_SECONDS = 900;
const MIN_WAIT_SECONDS = 30;

export type RateLimitDecision = { wait: true; delaySeconds: number } | { wait: false; error: string };

/**
 * A task's answer was a 429: wait it out (record when, re-send later) until the task has been throttled
 * for longer than settings.rateLimitBudgetMinutes, then give up. Each wait is at least the provider's
 * Retry-After and about as long as the task has already waited (30 s, 30 s, 60 s, 2 min ... 15 min),
 * so a long episode costs few requests; jitter spreads a job's tasks apart.
 */
export async function decideRateLimitWait(
  deps: PipelineDeps,
  task: JobTask,
  limited: { retryAfterMs: number; reason: string },
): Promise<RateLimitDecision> {
  const now = deps.now();
  const proposed = Math.max(MIN_WAIT_SECONDS, Math.ceil(limited.retryAfterMs / 1000));
  const until = new Date(now.getTime() + proposed * 1000);
  const since = (await noteRateLimited(deps.sql, task.id, { reason: limited.reason, until, now })) ?? now;
  const waitedSeconds = Math.max(0, (now.getTime() - since.getTime()) / 1000);
  const budgetSeconds = deps.settings.rateLimitBudgetMinutes * 60;
  if (waitedSeconds > budgetSeconds) {
    return {
      wait: false,
      error: `${limited.reason} (rate-limited for ${Math.round(waitedSeconds / 60)} min: the budget of ${deps.settings.rateLimitBudgetMinutes} min is spent)`,
    };
  }
  const grown = Math.max(proposed, Math.ceil(waitedSeconds * (1 + Math.random() * 0.3)));
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, grown);
  if (delaySeconds !== proposed) {
    const later = new Date(now.getTime() + delaySeconds * 1000);
    await noteRateLimited(deps.sql, task.id, { reason: limited.reason, until: later, now });
  }
  return { wait: true, delaySeconds };
}
