import * as z from 'zod';
import type { CalendarId } from '#shared/calendars/index.ts';
import { adjustedPrices, PRICE_BASES } from '#shared/db/adjusted-prices.ts';
import { listAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { consoleTasks, taskStatusCounts } from '#shared/db/console-reads.ts';
import { selectActions } from '#shared/db/corporate-actions.ts';
import { getJob, listJobs } from '#shared/db/jobs.ts';
import { listQualityFlags } from '#shared/db/quality-flags.ts';
import { isoDateSchema } from '#shared/domain/daily-bar.ts';
import { describeIssue } from '#shared/domain/errors.ts';
import { progressPct } from '#shared/domain/job.ts';
import { coverageByYear } from '#shared/usecases/coverage-by-year.ts';
import { assessFreshness } from '#shared/usecases/freshness.ts';
import { chartBars, retryHint } from './views.ts';

/** A request the console answers with a 4xx status and a one-line reason (nothing is logged as a fault). */
export class ConsoleRequestError extends Error {
  override name = 'ConsoleRequestError';
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** What an endpoint reads from: the read-only login's client and the clock freshness is judged at. */
export interface ApiContext {
  sql: Sql;
  now: () => Date;
}

type Endpoint = (ctx: ApiContext, query: Record<string, string>, id?: number) => Promise<unknown>;

/** Most tasks one job's page lists (failed first); the counts cover all of them. */
const TASKS_SHOWN = 500;

const symbol = z.string().regex(/^[\x21-\x7E]{1,32}$/, 'expected a symbol');
const limit = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const jobsQuery = z.strictObject({ limit: limit(50, 500) });
const flagsQuery = z.strictObject({
  asset: symbol.optional(),
  kind: z
    .enum(['rejected_bar', 'large_move', 'gap', 'rebased', 'closed_day_bar', 'suspected_delisted'])
    .optional(),
  limit: limit(200, 2_000),
});
const chartQuery = z
  .strictObject({ asset: symbol, start: isoDateSchema, end: isoDateSchema, basis: z.enum(PRICE_BASES) })
  .refine((q) => q.start <= q.end, { message: 'start must not be after end', path: ['start'] });
const assetQuery = z.strictObject({ asset: symbol });
const noQuery = z.strictObject({});

/** Parses a query string's parameters; throws ConsoleRequestError 400 naming the first bad one. */
function parse<S extends z.ZodType>(schema: S, query: Record<string, string>): z.infer<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new ConsoleRequestError(400, describeIssue(parsed.error.issues[0], 'query'));
  return parsed.data;
}

async function assetBySymbol(sql: Sql, name: string) {
  const [asset] = await listAssets(sql, { symbols: [name] });
  if (!asset) throw new ConsoleRequestError(404, `unknown asset ${name} (see the universe file)`);
  return asset;
}

/** The JSON endpoints under /api/, each reading only. */
export const endpoints: Record<string, Endpoint> = {
  jobs: async ({ sql }, query) => {
    const jobs = await listJobs(sql, parse(jobsQuery, query).limit);
    return { jobs: jobs.map((job) => ({ ...job, progressPct: progressPct(job) })) };
  },
  job: async ({ sql }, query, id) => {
    parse(noQuery, query);
    const job = await getJob(sql, id ?? 0).catch((error: unknown) => {
      throw error instanceof Error && error.name === 'JobNotFoundError'
        ? new ConsoleRequestError(404, error.message)
        : error;
    });
    const [counts, tasks] = await Promise.all([
      taskStatusCounts(sql, job.id),
      consoleTasks(sql, job.id, TASKS_SHOWN),
    ]);
    return { job, progressPct: progressPct(job), counts, tasks, retryHint: retryHint(job, counts) };
  },
  assets: async ({ sql }, query) => {
    parse(noQuery, query);
    return { assets: await listAssets(sql) };
  },
  freshness: async ({ sql, now }, query) => {
    parse(noQuery, query);
    const at = now();
    return { checkedAt: at.toISOString(), assets: await assessFreshness(sql, at) };
  },
  flags: async ({ sql }, query) => {
    const q = parse(flagsQuery, query);
    return { flags: await listQualityFlags(sql, { symbol: q.asset, kind: q.kind, limit: q.limit }) };
  },
  chart: async ({ sql }, query) => {
    const q = parse(chartQuery, query);
    const asset = await assetBySymbol(sql, q.asset);
    const [bars, actions] = await Promise.all([
      adjustedPrices(sql, { symbols: [asset.symbol], start: q.start, end: q.end, basis: q.basis }),
      selectActions(sql, [asset.id]),
    ]);
    return { ...q, currency: asset.currency, bars: chartBars(bars), actions };
  },
  coverage: async ({ sql, now }, query) => {
    const asset = await assetBySymbol(sql, parse(assetQuery, query).asset);
    const calendar = asset.calendar as CalendarId;
    return { asset: asset.symbol, calendar, years: await coverageByYear(sql, { ...asset, calendar }, now()) };
  },
};
