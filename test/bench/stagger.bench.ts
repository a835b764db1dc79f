import type { Asset } from '#shared/db/assets.ts';
import type { JobTask } from '#shared/domain/job.ts';
import { createLocalLog, TallyMetrics } from '#shared/local/adapters.ts';
import { peakInWindow } from '#shared/queue/stagger.ts';
import type { OutgoingMessage, TaskQueue } from '#shared/queue/task-queue.ts';
import { DEFAULT_SETTINGS, type PipelineDeps } from '#shared/usecases/deps.ts';
import { fanOutTasks } from '#shared/usecases/fan-out.ts';
import { round, type Suite } from './harness.ts';

const TASKS = 5_000;
const RATE = 10;

/**
 * Suite `stagger`: the real fan-out plans 5,000 single-request tasks against a budget of r requests/s.
 * Reports the makespan over the bound N/r and the most requests that start in any 1 s window.
 */
export const staggerSuite: Suite = async (log) => {
  const sent: OutgoingMessage[] = [];
  const queue: TaskQueue = {
    sendBatch: async (messages) => {
      if (messages.length > 10) throw new Error('batch over 10');
      sent.push(...messages);
      return { failedIds: [] };
    },
  };
  const start = new Date('2026-01-05T21:30:00Z');
  const deps = {
    queue,
    now: () => start,
    log: createLocalLog('ERROR'),
    metrics: new TallyMetrics(),
    settings: { ...DEFAULT_SETTINGS, providerBudgets: { yahoo: RATE, upbit: 8 } },
  } as unknown as PipelineDeps;
  const assets = Array.from({ length: TASKS }, (_, i) => ({ id: i + 1, provider: 'yahoo' }) as Asset);
  const tasks = assets.map(
    (a, i) =>
      ({ id: i + 1, jobId: 1, assetId: a.id, rangeStart: '2025-12-24', rangeEnd: '2026-01-02' }) as JobTask,
  );
  await fanOutTasks(deps, 1, tasks, assets);
  const starts = sent.map((m) => Date.parse(m.body.notBefore ?? ''));
  const makespanSeconds = (Math.max(...starts) - start.getTime()) / 1000 + 1 / RATE;
  const bound = TASKS / RATE;
  const peak = peakInWindow(starts);
  const maxDelay = Math.max(...sent.map((m) => m.delaySeconds));
  log(
    `stagger: ${TASKS} tasks at ${RATE} req/s: makespan ${makespanSeconds} s (bound ${bound} s), peak ${peak}/s`,
  );
  return {
    tasks: TASKS,
    requestsPerSecond: RATE,
    makespanSeconds,
    boundSeconds: bound,
    makespanOverBound: round(makespanSeconds / bound, 4),
    peakRequestsInAnySecond: peak,
    withinBudget: peak <= RATE,
    maxDelaySeconds: maxDelay,
    messagesSent: sent.length,
  };
};
