import { CalendarRangeError, type ExchangeCalendar, getCalendar } from '#shared/calendars/index.ts';
import { type Asset, listAssets } from '#shared/db/assets.ts';
import { countStoredBars } from '#shared/db/coverage.ts';
import { JobNotFoundError } from '#shared/db/errors.ts';
import { createJob, failedTasks, getJob } from '#shared/db/jobs.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { addDays, daysBetween, utcDate } from '#shared/domain/dates.ts';
import { describeIssue, InputError, quote } from '#shared/domain/errors.ts';
import type { JobKind } from '#shared/domain/job.ts';
import * as z from '#shared/domain/zod.ts';
import type { PipelineDeps } from './deps.ts';
import { type FanOutResult, fanOutTasks } from './fan-out.ts';
import { announceJob } from './finish-job.ts';
import { listedSessions } from './listing.ts';

const isoDate = z.iso.date({ error: (issue) => `expected a date YYYY-MM-DD, got ${quote(issue.input)}` });

/** Printable ASCII only: every provider symbol fits, and nothing odd reaches SQL or a log line. */
const symbol = z
  .string()
  .check(z.regex(/^[\x21-\x7E]{1,32}$/, 'expected a symbol: 1-32 printable ASCII characters'));

export const backfillRequestSchema = z.strictObject({
  start: z.optional(isoDate),
  end: z.optional(isoDate),
  /** Asset symbols; all active assets when omitted. */
  assets: z.optional(z.array(symbol).check(z.minLength(1), z.maxLength(10_000))),
  dryRun: z._default(z.boolean(), false),
  /** Skip chunks that already hold a bar for every session of the calendar. */
  skipExisting: z._default(z.boolean(), false),
  /** Re-run only the failed tasks of this earlier job (start and end then come from it). */
  retryFailedOf: z.optional(z.number().check(z.int(), z.positive())),
});
export type BackfillRequest = z.input<typeof backfillRequestSchema>;

export interface PlannedTask {
  symbol: string;
  assetId: number;
  start: IsoDate;
  end: IsoDate;
  sessions: number;
}

export interface BackfillResult {
  /** Null for a dry run: nothing was written or enqueued. */
  jobId: number | null;
  dryRun: boolean;
  tasks: PlannedTask[];
  /** Chunks left out because they were already complete (skipExisting). */
  skipped: number;
  fanOut?: FanOutResult;
}

/**
 * Backfill (and repair) planning.
 * 1. Validate the request: dates, order, not in the future, within the maximum span, known assets.
 * 2. The chunks: either the failed tasks of an earlier job, or each asset's range split into chunks,
 *    clipped to the last completed session of its calendar; chunks with no session are dropped.
 * 3. With skipExisting, drop chunks whose stored bars already cover every session.
 * 4. A dry run returns the plan here. Otherwise record the job and its tasks and fan them out.
 * @throws InputError with a one-line reason; nothing is written or enqueued then.
 */
export async function planBackfill(
  deps: PipelineDeps,
  raw: unknown,
  kind: JobKind = 'backfill',
): Promise<BackfillResult> {
  const request = parseRequest(raw);
  const { chunks, assets, start, end } = request.retryFailedOf
    ? await chunksToRetry(deps, request.retryFailedOf)
    : await chunksToFetch(deps, request);
  let planned = chunks;
  if (request.skipExisting) {
    const stored = await countStoredBars(
      deps.sql,
      chunks.map((c) => ({ assetId: c.assetId, start: c.start, end: c.end })),
    );
    planned = chunks.filter((c, i) => (stored[i] ?? 0) < c.sessions);
  }
  const result: BackfillResult = {
    jobId: null,
    dryRun: request.dryRun,
    tasks: planned,
    skipped: chunks.length - planned.length,
  };
  if (request.dryRun) return result;
  return recordAndFanOut(deps, result, {
    kind,
    start,
    end,
    assets,
    request: request as Record<string, unknown>,
  });
}

/**
 * A repair job: each stale asset's own missing range (no validation beyond the calendars': the ranges
 * come from the freshness check, not from a person).
 */
export async function planRepair(
  deps: PipelineDeps,
  ranges: readonly { symbol: string; start: IsoDate; end: IsoDate }[],
): Promise<BackfillResult> {
  const assets = await resolveAssets(
    deps,
    ranges.map((r) => r.symbol),
  );
  const bySymbol = new Map(assets.map((a) => [a.symbol, a]));
  const windows: WindowCache = new Map();
  const tasks = ranges.flatMap((r) =>
    chunksOf(deps, bySymbol.get(r.symbol) as Asset, r.start, r.end, windows),
  );
  const start = ranges.map((r) => r.start).sort()[0] ?? utcDate(deps.now());
  const end =
    ranges
      .map((r) => r.end)
      .sort()
      .at(-1) ?? start;
  const result: BackfillResult = { jobId: null, dryRun: false, tasks, skipped: 0 };
  return recordAndFanOut(deps, result, { kind: 'repair', start, end, assets, request: { repair: ranges } });
}

async function recordAndFanOut(
  deps: PipelineDeps,
  result: BackfillResult,
  job: { kind: JobKind; start: IsoDate; end: IsoDate; assets: Asset[]; request: Record<string, unknown> },
): Promise<BackfillResult> {
  const { job: created, tasks } = await createJob(deps.sql, {
    kind: job.kind,
    rangeStart: job.start,
    rangeEnd: job.end,
    assets: job.assets.map((a) => a.symbol),
    request: job.request,
    tasks: result.tasks.map((c) => ({ assetId: c.assetId, rangeStart: c.start, rangeEnd: c.end })),
  });
  if (tasks.length === 0) await announceJob(deps, created.id);
  result.jobId = created.id;
  result.fanOut = await fanOutTasks(deps, created.id, tasks, job.assets);
  deps.log.info('job planned', {
    jobId: created.id,
    kind: job.kind,
    tasks: tasks.length,
    skipped: result.skipped,
  });
  return result;
}

type ParsedRequest = z.output<typeof backfillRequestSchema>;

function parseRequest(raw: unknown): ParsedRequest {
  const parsed = backfillRequestSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`backfill: ${describeIssue(parsed.error.issues[0])}`);
  const request = parsed.data;
  if (request.retryFailedOf !== undefined && (request.start || request.end || request.assets)) {
    throw new InputError(
      'backfill: retryFailedOf takes the failed tasks as they were; drop start, end and assets',
    );
  }
  if (request.retryFailedOf === undefined && (!request.start || !request.end)) {
    throw new InputError('backfill: give both start and end (YYYY-MM-DD), or retryFailedOf with a job id');
  }
  return request;
}

async function chunksToFetch(deps: PipelineDeps, request: ParsedRequest) {
  const start = request.start as IsoDate;
  const end = request.end as IsoDate;
  const today = utcDate(deps.now());
  if (end < start) throw new InputError(`backfill: end ${end} is before start ${start}`);
  if (start > today)
    throw new InputError(`backfill: start ${start} is in the future (today is ${today} UTC)`);
  if (end > today) throw new InputError(`backfill: end ${end} is in the future (today is ${today} UTC)`);
  const span = daysBetween(start, end) + 1;
  if (span > deps.settings.maxBackfillDays) {
    throw new InputError(
      `backfill: ${start}..${end} spans ${span} days, more than the maximum ${deps.settings.maxBackfillDays}; split it`,
    );
  }
  const assets = await resolveAssets(deps, request.assets);
  const chunks: PlannedTask[] = [];
  const windows: WindowCache = new Map();
  for (const asset of assets) chunks.push(...chunksOf(deps, asset, start, end, windows));
  return { chunks, assets, start, end };
}

async function resolveAssets(deps: PipelineDeps, symbols: string[] | undefined): Promise<Asset[]> {
  if (!symbols) return listAssets(deps.sql, { activeOnly: true });
  const unique = [...new Set(symbols)];
  const found = await listAssets(deps.sql, { symbols: unique });
  const known = new Set(found.map((a) => a.symbol));
  const unknown = unique.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((s) => quote(s));
    throw new InputError(
      `backfill: unknown asset${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}; add ${unknown.length > 1 ? 'them' : 'it'} to the universe first`,
    );
  }
  return found;
}

/** A chunk of a calendar's range before any asset's listing dates apply, with its session count. */
interface Window {
  from: IsoDate;
  to: IsoDate;
  sessions: number;
}

/** Windows by calendar and range: every asset of a calendar shares them (50,000 chunks, 3 calendars). */
type WindowCache = Map<string, Window[]>;

function chunksOf(
  deps: PipelineDeps,
  asset: Asset,
  start: IsoDate,
  end: IsoDate,
  cache: WindowCache = new Map(),
): PlannedTask[] {
  const calendar = getCalendar(asset.calendar);
  if (start < calendar.firstDate) {
    throw new InputError(
      `backfill: start ${start} is before ${asset.symbol}'s ${asset.calendar} calendar begins (${calendar.firstDate})`,
    );
  }
  const key = `${asset.calendar} ${start} ${end}`;
  let windows = cache.get(key);
  if (!windows) {
    windows = windowsOf(deps, calendar, start, end);
    cache.set(key, windows);
  }
  const listed = !asset.listedOn && !asset.delistedOn;
  const chunks: PlannedTask[] = [];
  for (const { from, to, sessions: all } of windows) {
    // Only sessions while listed: before the listing there is nothing to fetch and nothing missing.
    const sessions = listed ? all : listedSessions(calendar, asset, from, to).length;
    const chunk = {
      start: asset.listedOn && asset.listedOn > from ? asset.listedOn : from,
      end: asset.delistedOn && asset.delistedOn < to ? asset.delistedOn : to,
    };
    if (sessions > 0) chunks.push({ symbol: asset.symbol, assetId: asset.id, ...chunk, sessions });
  }
  return chunks;
}

/** [start, end] clipped to the calendar's last completed session, in chunks of chunkDays days. */
function windowsOf(deps: PipelineDeps, calendar: ExchangeCalendar, start: IsoDate, end: IsoDate): Window[] {
  let lastComplete: IsoDate;
  try {
    lastComplete = calendar.expectedLastSession(deps.now());
  } catch (error) {
    if (error instanceof CalendarRangeError) throw new InputError(`backfill: ${error.message}`);
    throw error;
  }
  const clippedEnd = end < lastComplete ? end : lastComplete;
  const windows: Window[] = [];
  for (let from = start; from <= clippedEnd; from = addDays(from, deps.settings.chunkDays)) {
    const limit = addDays(from, deps.settings.chunkDays - 1);
    const to = limit < clippedEnd ? limit : clippedEnd;
    windows.push({ from, to, sessions: calendar.sessionsBetween(from, to).length });
  }
  return windows;
}

async function chunksToRetry(deps: PipelineDeps, jobId: number) {
  const job = await getJob(deps.sql, jobId).catch((error: unknown) => {
    if (error instanceof JobNotFoundError)
      throw new InputError(`backfill: retryFailedOf: job ${jobId} does not exist`);
    throw error;
  });
  if (job.finishedAt === null)
    throw new InputError(
      `backfill: job ${jobId} is still ${job.status}; retry it once it ends (if it is stuck, end it with: jobs cancel ${jobId}, or jobs reap)`,
    );
  const failed = await failedTasks(deps.sql, jobId);
  if (failed.length === 0)
    throw new InputError(`backfill: job ${jobId} has no failed or cancelled tasks to retry`);
  const assets = await listAssets(deps.sql, { symbols: job.assets });
  const byId = new Map(assets.map((a) => [a.id, a]));
  const chunks = failed.map((t) => {
    const asset = byId.get(t.assetId) as Asset;
    const sessions = getCalendar(asset.calendar).sessionsBetween(t.rangeStart, t.rangeEnd).length;
    return { symbol: asset.symbol, assetId: asset.id, start: t.rangeStart, end: t.rangeEnd, sessions };
  });
  return {
    chunks,
    assets: assets.filter((a) => failed.some((t) => t.assetId === a.id)),
    start: job.rangeStart,
    end: job.rangeEnd,
  };
}
