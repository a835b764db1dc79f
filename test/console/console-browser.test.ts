import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { adjustedPrices } from '#shared/db/adjusted-prices.ts';
import { recordQualityFlags } from '#shared/db/quality-flags.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { coverageByYear } from '#shared/usecases/coverage-by-year.ts';
import { assessFreshness } from '#shared/usecases/freshness.ts';
import { findChromium, launchChromium, NO_CHROMIUM_REASON } from '#test/support/browser.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli, spawnCli } from '#test/support/cli-process.ts';
import { eventually, type MarketGate, startMarketGate } from '#test/support/gated-market.ts';
import {
  type ConsoleFixture,
  HOSTILE_ERROR,
  recordFailedJob,
  startConsoleFixture,
} from './console-fixture.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

/*
 * The console's pages in Debian's Chromium (playwright-core drives it; no browser is downloaded), over
 * a database filled by real backfills against the local market server. Waits are on conditions, with
 * generous limits for a loaded machine; screenshots go to test-artifacts/console/ (git-ignored).
 */
const chromiumPath = findChromium();
if (chromiumPath === undefined) console.warn(`console browser tests ${NO_CHROMIUM_REASON}`);
const ARTIFACTS = 'test-artifacts/console';
const WAIT_MS = 90_000;
/** SPY splits 2:1 inside the charted range, and pays a dividend after it. */
const SPLIT_DATE = '2024-03-18';
const ACTIONS = [
  { symbol: 'SPY', exDate: SPLIT_DATE, kind: 'split', numerator: 2, denominator: 1 },
  { symbol: 'SPY', exDate: '2024-05-17', kind: 'dividend', amount: 0.5 },
] as const;

let fx: ConsoleFixture;
let market: MarketServer;
let browser: Browser;
let page: Page;

function cliEnv(yahooBaseUrl: string) {
  return { DATABASE_URL: fx.db.url, YAHOO_BASE_URL: yahooBaseUrl, UPBIT_BASE_URL: market.upbitBaseUrl };
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

/** The rows of a table as the page shows them: each cell's text by its data-field. */
async function tableRows(selector: string): Promise<Record<string, string>[]> {
  return page.evaluate(`[...document.querySelectorAll(${JSON.stringify(`${selector} tbody tr`)})].map((row) =>
    Object.fromEntries([...row.querySelectorAll('[data-field]')].map((c) => [c.dataset.field, c.textContent])))`);
}

/** What the pages' functions see (the tests are type-checked without the DOM library). */
interface PageGlobals {
  document: {
    body: { dataset: Record<string, string | undefined> };
    querySelector(selector: string): { textContent: string | null } | null;
  };
}

/** Waits until the chart page has drawn `key` (asset|basis|start|end). */
async function waitForChart(key: string): Promise<void> {
  await page.waitForFunction(
    (k) => (globalThis as unknown as PageGlobals).document.body.dataset.chart === k,
    key,
    { polling: 100 },
  );
}

/** Waits until the element at `selector` reads `text`. */
async function waitForText(selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([s, t]) => (globalThis as unknown as PageGlobals).document.querySelector(s)?.textContent === t,
    [selector, text] as const,
    { polling: 100 },
  );
}

async function doneCell(jobId: number): Promise<string | null> {
  return page.evaluate(
    `document.querySelector('[data-job-id="${jobId}"] [data-field="done"]')?.textContent ?? null`,
  );
}

describe.skipIf(chromiumPath === undefined)(
  chromiumPath
    ? `the console in Chromium (${chromiumPath})`
    : `the console in Chromium (${NO_CHROMIUM_REASON})`,
  { timeout: 240_000 },
  () => {
    beforeAll(async () => {
      await mkdir(ARTIFACTS, { recursive: true });
      fx = await startConsoleFixture();
      market = await startMarketServer({ corporateActions: [...ACTIONS] });
      const backfill = await runCli(
        ['backfill', '--start', '2024-01-01', '--end', '2024-06-28', '--assets', 'SPY'],
        cliEnv(market.yahooBaseUrl),
      );
      if (backfill.code !== 0) throw new Error(`backfill failed: ${backfill.stderr}`);
      browser = await launchChromium(chromiumPath as string);
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(WAIT_MS);
    }, 240_000);
    afterAll(async () => {
      await browser?.close();
      await market?.stop();
      await fx?.close();
    });

    it('lists the jobs as the database has them, newest first, and shows a failed job with its error as text and its retry hint', async () => {
      // Prepare: a failed job beside the backfill's, its error holding markup
      const failed = await recordFailedJob(fx.db.sql, 'SPY');
      const stored = await fx.db.sql<Record<string, string>[]>`
        SELECT id::text, kind, status, (tasks_succeeded + tasks_failed) || ' / ' || tasks_total AS done,
               tasks_failed::text AS failed, rows_upserted::text AS rows
        FROM job_progress ORDER BY id DESC`;

      // Act
      await page.goto(`${fx.console.url}#job=${failed}`);
      await page.waitForSelector(`#jobs [data-job-id="${failed}"]`);
      await page.waitForSelector('#job:not([hidden]) #tasks tbody tr');

      // Assess: every job, in order, with the stored counts; the failure shown, not run
      const shown = await tableRows('#jobs');
      expect(
        shown.map(({ id, kind, status, done, failed, rows }) => ({ id, kind, status, done, failed, rows })),
      ).toEqual(stored);
      expect(await tableRows('#tasks')).toEqual([
        {
          asset: 'SPY',
          range: '2024-01-01 .. 2024-01-31',
          status: 'failed',
          attempts: '1',
          rows: '0',
          error: HOSTILE_ERROR,
        },
      ]);
      expect(await page.textContent('#retry-command')).toBe(
        `npm run cli -- backfill --retry-failed ${failed}`,
      );
      expect(await page.evaluate('document.querySelectorAll("main img, main b").length')).toBe(0);
      expect(await page.evaluate('window.injected')).toBeUndefined();
      await screenshot('jobs-failed-job');
    });

    it("moves a running job's progress as its tasks end", async () => {
      // Prepare: a backfill of four tasks whose first fetch answers and the rest wait at the gate
      const gate: MarketGate = await startMarketGate(market.yahooBaseUrl, 1);
      const [before] = await fx.db.sql<
        { id: number }[]
      >`SELECT coalesce(max(id), 0)::int AS id FROM job_runs`;
      const backfill = spawnCli(
        ['backfill', '--start', '2024-01-01', '--end', '2024-06-28', '--assets', 'XLK,XLV,XLF,XLE'],
        cliEnv(gate.yahooBaseUrl),
      );
      try {
        let jobId = 0;
        const midRun = await eventually(async () => {
          const [job] = await fx.db.sql<{ id: number; done: number }[]>`
            SELECT id, tasks_succeeded + tasks_failed AS done FROM job_progress WHERE id > ${before?.id ?? 0}`;
          jobId = job?.id ?? 0;
          return job?.done === 1 && gate.held >= 1;
        }, WAIT_MS);
        expect(midRun).toBe(true);

        // Act: the page shows the job mid-run, then the held fetches answer
        await page.goto(fx.console.url);
        await waitForText(`[data-job-id="${jobId}"] [data-field="done"]`, '1 / 4');
        const midRow = (await tableRows('#jobs')).find((r) => r.id === String(jobId));
        await screenshot('jobs-running');
        gate.open();
        const exit = await backfill.exited;

        // Assess: the same page, polling, reaches the end without a reload
        await waitForText(`[data-job-id="${jobId}"] [data-field="status"]`, 'success');
        expect(exit.code).toBe(0);
        expect(midRow?.status).toBe('running');
        expect(await doneCell(jobId)).toBe('4 / 4');
        await screenshot('jobs-finished');
      } finally {
        gate.open();
        await backfill.exited;
        await gate.close();
      }
    });

    it('draws the stored bars of the chosen range as traded, and split-adjusted with the split marked', async () => {
      // Prepare: the bars as stored, and through adjusted_prices on the splits basis
      const range = { start: '2024-02-01', end: '2024-04-30' };
      const traded = await fx.db.sql<
        { time: string; open: number; high: number; low: number; close: number; volume: number }[]
      >`
        SELECT p.session_date AS time, p.open::float8 AS open, p.high::float8 AS high, p.low::float8 AS low,
               p.close::float8 AS close, p.volume::float8 AS volume
        FROM prices_daily p JOIN assets a ON a.id = p.asset_id
        WHERE a.symbol = 'SPY' AND p.session_date BETWEEN ${range.start} AND ${range.end} ORDER BY p.session_date`;
      const splits = await adjustedPrices(fx.db.sql, { symbols: ['SPY'], ...range, basis: 'splits' });
      const candles = (
        bars: readonly { open: number; high: number; low: number; close: number }[],
        times: string[],
      ) => bars.map(({ open, high, low, close }, i) => ({ time: times[i], open, high, low, close }));

      // Act: as traded
      await page.goto(
        `${fx.console.url}chart.html?asset=SPY&start=${range.start}&end=${range.end}&basis=none`,
      );
      await waitForChart(`SPY|none|${range.start}|${range.end}`);
      const drawnTraded = (await page.evaluate('window.consoleChart')) as DrawnChart;
      await screenshot('chart-as-traded');

      // Assess: every stored bar of the range, each volume, the split on its ex-date
      expect(traded.length).toBeGreaterThan(50);
      expect(drawnTraded.candles).toEqual(
        candles(
          traded,
          traded.map((b) => b.time),
        ),
      );
      expect(drawnTraded.volumes.map((v) => [v.time, v.value])).toEqual(
        traded.map((b) => [b.time, b.volume]),
      );
      expect(drawnTraded.markers).toEqual([expect.objectContaining({ time: SPLIT_DATE, text: 'split 2:1' })]);

      // Act: split-adjusted, by the page's own control
      await page.check('input[name="basis"][value="splits"]');
      await waitForChart(`SPY|splits|${range.start}|${range.end}`);
      const drawnSplits = (await page.evaluate('window.consoleChart')) as DrawnChart;
      await screenshot('chart-split-adjusted');

      // Assess: adjusted_prices' bars; before the split they are half the traded ones, after it the same
      expect(drawnSplits.candles).toEqual(
        candles(
          splits,
          splits.map((b) => b.sessionDate),
        ),
      );
      const ratio = (time: string) =>
        (drawnTraded.candles.find((c) => c.time === time)?.close ?? 0) /
        (drawnSplits.candles.find((c) => c.time === time)?.close ?? 1);
      expect(ratio('2024-03-15')).toBeCloseTo(2, 9);
      expect(ratio(SPLIT_DATE)).toBe(1);
    });

    it('narrows the chart to a new date range, and shows coverage per year as the calendar counts it', async () => {
      // Act
      const loaded = new Date(); // the page counts this year's sessions by its own clock, from about now
      await page.goto(`${fx.console.url}chart.html?asset=SPY&start=2024-01-01&end=2024-06-28&basis=total`);
      await waitForChart(`SPY|total|2024-01-01|2024-06-28`);
      await page.fill('#end', '2024-01-31');
      await waitForChart(`SPY|total|2024-01-01|2024-01-31`);
      const drawn = (await page.evaluate('window.consoleChart')) as DrawnChart;
      const coverage = await tableRows('#coverage');
      await screenshot('chart-total-return-january');

      // Assess
      const january = await adjustedPrices(fx.db.sql, {
        symbols: ['SPY'],
        start: '2024-01-01',
        end: '2024-01-31',
        basis: 'total',
      });
      expect(drawn.candles.map((c) => [c.time, c.close])).toEqual(
        january.map((b) => [b.sessionDate, b.close]),
      );
      const [asset] = await fx.db.sql<{ id: number }[]>`SELECT id FROM assets WHERE symbol = 'SPY'`;
      const yearsAt = (at: Date) =>
        coverageByYear(fx.db.sql, { id: asset?.id as number, calendar: 'XNYS' }, at);
      const shown = (years: Awaited<ReturnType<typeof yearsAt>>) =>
        years.map((y) => ({ stored: String(y.stored), expected: String(y.expected) }));
      const years = await yearsAt(loaded);
      // As of the page's load or now: a session published in between changes this year's count.
      expect([shown(years), shown(await yearsAt(new Date()))]).toContainEqual(coverage);
      const firstHalf = getCalendar('XNYS').sessionsBetween('2024-01-01', '2024-06-28').length;
      expect(years[0]).toMatchObject({ year: 2024, stored: firstHalf });
    });

    it("shows each asset's freshness as the freshness check computes it, and the quality findings as text", async () => {
      // Prepare: a finding whose reason holds markup
      const [asset] = await fx.db.sql<{ id: number }[]>`SELECT id FROM assets WHERE symbol = 'SPY'`;
      await recordQualityFlags(fx.db.sql, [
        {
          assetId: asset?.id as number,
          sessionDate: '2024-03-18',
          kind: 'large_move',
          reason: '<i>-50 %</i> close to close',
        },
      ]);
      const rowsAt = async (at: Date) =>
        (await assessFreshness(fx.db.sql, at)).map((a) => ({
          latest: a.latest ?? 'nothing stored',
          expected: a.expected,
          status: a.status,
        }));
      const before = await rowsAt(new Date());

      // Act
      await page.goto(`${fx.console.url}assets.html`);
      await page.waitForSelector('#flags tbody tr td.error-text');
      const shown = await tableRows('#freshness');
      await screenshot('freshness-and-quality');

      // Assess: as of before the page loaded or now (a session published in between moves it)
      expect([before, await rowsAt(new Date())]).toContainEqual(shown);
      expect(shown.filter((a) => a.status === 'STALE').length).toBeGreaterThan(0);
      expect(
        await page.evaluate(
          '[...document.querySelectorAll("#flags td.error-text")].map((c) => c.textContent)',
        ),
      ).toContain('<i>-50 %</i> close to close');
      expect(await page.evaluate('document.querySelectorAll("#flags i").length')).toBe(0);
    });
  },
);

interface DrawnChart {
  candles: { time: string; open: number; high: number; low: number; close: number }[];
  volumes: { time: string; value: number }[];
  markers: { time: string; text: string }[];
}
