import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CalendarId, getCalendar } from '#shared/calendars/index.ts';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { startLocalPostgres } from '#shared/db/local-postgres.ts';
import { loadMigrations, migrate } from '#shared/db/migrations.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';

export interface ScaleShape {
  assets: number;
  historyStart: IsoDate;
  /** Per market, the last generated day: the daily collect adds the sessions after it. */
  historyEnd: Record<CalendarId, IsoDate>;
}

/** 60% New York, 30% Seoul, 10% Upbit: every market's bookkeeping runs over thousands of assets. */
export function scaleUniverse(count: number): AssetConfig[] {
  const seoul = Math.round(count * 0.3);
  const upbit = Math.round(count * 0.1);
  const nyse = count - seoul - upbit;
  const numbered = (n: number, make: (i: string) => AssetConfig) =>
    Array.from({ length: n }, (_, i) => make(String(i).padStart(5, '0')));
  return [
    ...numbered(nyse, (i) => asset(`N${i}`, 'stock', 'XNYS', 'yahoo', 'USD')),
    ...numbered(seoul, (i) => asset(`9${i}.KS`, 'stock', 'XKRX', 'yahoo', 'KRW')),
    ...numbered(upbit, (i) => asset(`KRW-C${i}`, 'crypto', '24/7', 'upbit', 'KRW')),
  ];
}

function asset(
  symbol: string,
  category: AssetConfig['category'],
  calendar: AssetConfig['calendar'],
  provider: AssetConfig['provider'],
  currency: string,
): AssetConfig {
  return {
    symbol,
    name: `Scale ${symbol}`,
    category,
    calendar,
    provider,
    providerSymbol: symbol,
    currency,
    active: true,
  };
}

export interface ScaleCluster {
  sql: Sql;
  /** Whether the generated history came from the cache (then `loadSeconds` is the reset's time). */
  cached: boolean;
  loadSeconds: number;
  close(): Promise<void>;
}

/**
 * A migrated cluster holding `shape`'s universe and its history, generated in SQL (not through the
 * pipeline). The cluster is kept in .data/bench-scale/<key> when `cache` is on: the key hashes the
 * shape, every migration and this file, so a change to any of them regenerates, and a generation that
 * did not finish leaves no "ready" mark (COMMENT ON DATABASE) and is redone. A reused cluster first
 * loses what the last run added: jobs, sessions, events, flags, revisions and bars after historyEnd.
 */
export async function openScaleCluster(
  shape: ScaleShape,
  options: { cache: boolean; log: (line: string) => void },
): Promise<ScaleCluster> {
  const key = await cacheKey(shape);
  const root = join(process.cwd(), '.data', 'bench-scale');
  const dir = options.cache ? join(root, key) : join(root, `run-${process.pid}`);
  const cluster = await startLocalPostgres({ dataDir: join(dir, 'pg') });
  const sql = createSql(cluster.url, { max: 20 });
  const close = async () => {
    await sql.end({ timeout: 5 });
    await cluster.stop();
    if (!options.cache) await rm(dir, { recursive: true, force: true });
  };
  try {
    const start = process.hrtime.bigint();
    const cached = options.cache && (await readyKey(sql)) === key;
    if (cached) {
      options.log(`scale: reusing the generated cluster ${dir}`);
      await resetRun(sql, shape);
    } else {
      if (options.cache) await removeOtherKeys(root, key);
      await migrate(sql);
      await syncAssets(sql, scaleUniverse(shape.assets));
      options.log(
        `scale: generating ${shape.assets} assets from ${shape.historyStart} (cached for later runs)...`,
      );
      await generateHistory(sql, shape);
      await sql.unsafe(`COMMENT ON DATABASE postgres IS 'bench-scale ${key}'`);
    }
    const loadSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { sql, cached, loadSeconds, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function cacheKey(shape: ScaleShape): Promise<string> {
  // Only what the data depends on: callers may pass a shape with run options of their own.
  const { assets, historyStart, historyEnd } = shape;
  const hash = createHash('sha256').update(JSON.stringify({ assets, historyStart, historyEnd }));
  for (const m of await loadMigrations()) hash.update(m.checksum);
  hash.update(await readFile(fileURLToPath(import.meta.url)));
  return `${shape.assets}x${shape.historyStart}-${hash.digest('hex').slice(0, 12)}`;
}

async function readyKey(sql: Sql): Promise<string | undefined> {
  const [row] = await sql<{ note: string | null }[]>`
    SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname = current_database()`;
  return row?.note?.replace(/^bench-scale /, '');
}

/** A new key's cluster replaces the old ones: each holds gigabytes. */
async function removeOtherKeys(root: string, key: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const entry of entries)
    if (entry !== key) await rm(join(root, entry), { recursive: true, force: true });
}

async function resetRun(sql: Sql, shape: ScaleShape): Promise<void> {
  await sql`TRUNCATE job_runs, job_tasks, market_sessions, domain_events, quality_flags, price_revisions`;
  for (const [calendar, end] of Object.entries(shape.historyEnd)) {
    await sql`
      DELETE FROM prices_daily p USING assets a
      WHERE a.id = p.asset_id AND a.calendar = ${calendar} AND p.session_date > ${end}`;
  }
  await sql`VACUUM ANALYZE prices_daily`;
}

/**
 * Every session of each asset's calendar in the history, one INSERT ... SELECT per 250 assets on two
 * connections, into a table without its primary key or triggers; then the key, the bookkeeping tables
 * the triggers would have kept (one GROUP BY each), and VACUUM ANALYZE so index-only scans apply.
 */
async function generateHistory(sql: Sql, shape: ScaleShape): Promise<void> {
  const assets = await listAssets(sql, { activeOnly: true });
  const batches: { ids: number[]; dates: IsoDate[]; source: string }[] = [];
  for (const calendar of ['XNYS', 'XKRX', '24/7'] as const) {
    const dates = getCalendar(calendar).sessionsBetween(shape.historyStart, shape.historyEnd[calendar]);
    const ids = assets.filter((a) => a.calendar === calendar).map((a) => a.id);
    const source = calendar === '24/7' ? 'upbit' : 'yahoo';
    for (let i = 0; i < ids.length; i += 250) batches.push({ ids: ids.slice(i, i + 250), dates, source });
  }
  await sql`ALTER TABLE prices_daily DROP CONSTRAINT prices_daily_pkey`;
  await sql`ALTER TABLE prices_daily DISABLE TRIGGER USER`;
  const worker = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      await sql`
        INSERT INTO prices_daily (asset_id, session_date, source, open, high, low, close, adj_close, volume)
        SELECT a.id, d.day, ${batch.source}, 100 + a.id % 50, 102 + a.id % 50, 99 + a.id % 50, 101 + a.id % 50,
               NULL, 1000000 + a.id
        FROM unnest(${batch.ids}::int[]) AS a(id) CROSS JOIN unnest(${batch.dates}::date[]) AS d(day)`;
    }
  };
  await Promise.all([worker(), worker()]);
  await sql.begin(async (tx) => {
    await tx`SET LOCAL maintenance_work_mem = '1GB'`;
    await tx`ALTER TABLE prices_daily ADD CONSTRAINT prices_daily_pkey PRIMARY KEY (asset_id, session_date, source)`;
    await tx`ALTER TABLE prices_daily ENABLE TRIGGER USER`;
    await tx`
      INSERT INTO asset_coverage (asset_id, source, first_session, latest_session)
      SELECT asset_id, source, min(session_date), max(session_date) FROM prices_daily GROUP BY 1, 2`;
    await tx`
      INSERT INTO asset_month_bars (asset_id, month, source, days)
      SELECT asset_id, date_trunc('month', session_date::timestamp)::date, source,
             bit_or(1 << (extract(day FROM session_date)::int - 1))
      FROM prices_daily GROUP BY 1, 2, 3`;
  });
  await sql`VACUUM ANALYZE prices_daily`;
  await sql`VACUUM ANALYZE`;
}
