import { getCalendar } from '#shared/calendars/index.ts';
import type { CalendarId } from '#shared/calendars/types.ts';
import { listAssets } from '#shared/db/assets.ts';
import { createJob } from '#shared/db/jobs.ts';
import type { PipelineDeps } from './deps.ts';
import { type FanOutResult, fanOutTasks } from './fan-out.ts';
import { announceJob } from './finish-job.ts';

export interface CollectionResult {
  jobId: number;
  calendar: CalendarId;
  start: string;
  end: string;
  tasks: number;
  fanOut: FanOutResult;
}

/**
 * Scheduled collection of one market.
 * 1. The window: the last N sessions up to the last completed one at `now`, by the market's calendar.
 * 2. One task per active asset of that calendar, recorded as a `scheduled` job.
 * 3. Fan the tasks out to the queue, staggered by provider budget.
 */
export async function collectMarket(deps: PipelineDeps, calendarId: CalendarId): Promise<CollectionResult> {
  const calendar = getCalendar(calendarId);
  const end = calendar.expectedLastSession(deps.now());
  let start = end;
  for (let i = 1; i < deps.settings.lookbackSessions; i++) start = calendar.previousSession(start);
  const assets = await listAssets(deps.sql, { activeOnly: true, calendar: calendarId });
  const { job, tasks } = await createJob(deps.sql, {
    kind: 'scheduled',
    market: calendarId,
    rangeStart: start,
    rangeEnd: end,
    assets: assets.map((a) => a.symbol),
    request: { calendar: calendarId, lookbackSessions: deps.settings.lookbackSessions },
    tasks: assets.map((a) => ({ assetId: a.id, rangeStart: start, rangeEnd: end })),
  });
  if (tasks.length === 0) await announceJob(deps, job.id);
  const fanOut = await fanOutTasks(deps, job.id, tasks, assets);
  deps.log.info('collection planned', {
    jobId: job.id,
    calendar: calendarId,
    start,
    end,
    tasks: tasks.length,
  });
  return { jobId: job.id, calendar: calendarId, start, end, tasks: tasks.length, fanOut };
}
