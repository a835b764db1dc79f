import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { syncAssets } from '#shared/db/assets.ts';
import { upsertCorporateActions } from '#shared/db/corporate-actions.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import {
  type ConsoleFixture,
  HOSTILE_ERROR,
  recordFailedJob,
  startConsoleFixture,
} from './console-fixture.ts';

/*
 * The console's JSON endpoints over the read-only login, against a real database: what the pages
 * draw comes from here (the browser tests then check the pages draw it).
 */
let fx: ConsoleFixture;
let failedJob: number;

beforeAll(async () => {
  fx = await startConsoleFixture();
  await syncAssets(fx.db.sql, [
    {
      symbol: 'ACME',
      name: 'Acme <Corp>',
      providerSymbol: 'ACME',
      category: 'stock',
      calendar: 'XNYS',
      provider: 'yahoo',
      currency: 'USD',
      active: true,
    },
  ]);
  const [asset] = await fx.db.sql<{ id: number }[]>`SELECT id FROM assets WHERE symbol = 'ACME'`;
  const assetId = asset?.id as number;
  const bar = (sessionDate: string, close: number) => ({
    assetId,
    sessionDate,
    source: 'yahoo',
    open: close,
    high: close,
    low: close,
    close,
    adjClose: null,
    volume: 1_000,
  });
  // As traded: 200 before a 2:1 split on 2024-06-04, 101 after; one 2023 session.
  await upsertDailyBars(fx.db.sql, [
    bar('2023-12-29', 190),
    bar('2024-06-03', 200),
    bar('2024-06-04', 101),
    bar('2024-06-05', 100),
  ]);
  await upsertCorporateActions(fx.db.sql, [
    { assetId, exDate: '2024-06-04', kind: 'split', source: 'yahoo', numerator: 2, denominator: 1 },
  ]);
  failedJob = await recordFailedJob(fx.db.sql, 'ACME');
});
afterAll(async () => {
  await fx?.close();
});

async function get(path: string, init: RequestInit = {}) {
  const response = await fetch(new URL(path, fx.console.url), init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text, body: safeJson(text) };
}

/** fetch may not set Host; a page on a rebound name would send its own name there. */
function statusWithHost(path: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    request(new URL(path, fx.console.url), { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    })
      .on('error', reject)
      .end();
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

describe('the console API', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(fx.console.url).hostname).toBe('127.0.0.1');
  });

  it('lists the jobs newest first with their progress, and a failed job with its task, error and retry hint', async () => {
    const list = await get('/api/jobs');
    const detail = await get(`/api/jobs/${failedJob}`);

    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ jobs: [{ id: failedJob, status: 'failure', progressPct: 100 }] });
    expect(detail.body).toMatchObject({
      job: { id: failedJob, tasksFailed: 1 },
      counts: { failed: 1 },
      tasks: [{ symbol: 'ACME', status: 'failed', error: HOSTILE_ERROR }],
      retryHint: `npm run cli -- backfill --retry-failed ${failedJob}`,
    });
  });

  it('serves an asset bars as traded and split-adjusted, one per session, with its corporate actions', async () => {
    const range = 'asset=ACME&start=2024-06-01&end=2024-06-30';
    const traded = await get(`/api/chart?${range}&basis=none`);
    const splits = await get(`/api/chart?${range}&basis=splits`);

    const closes = (r: typeof traded) =>
      (r.body as { bars: { time: string; close: number }[] }).bars.map((b) => [b.time, b.close]);
    expect(closes(traded)).toEqual([
      ['2024-06-03', 200],
      ['2024-06-04', 101],
      ['2024-06-05', 100],
    ]);
    expect(closes(splits)).toEqual([
      ['2024-06-03', 100],
      ['2024-06-04', 101],
      ['2024-06-05', 100],
    ]);
    expect(traded.body).toMatchObject({
      actions: [{ exDate: '2024-06-04', kind: 'split', numerator: 2, denominator: 1 }],
    });
  });

  it('counts the sessions stored per year against the sessions the calendar expects', async () => {
    const { body } = await get('/api/coverage?asset=ACME');

    const years = (body as { years: { year: number; stored: number; expected: number }[] }).years;
    expect(years.slice(0, 2)).toEqual([
      { year: 2023, stored: 1, expected: 1, first: '2023-12-29', last: '2023-12-29' },
      {
        year: 2024,
        stored: 3,
        expected: getCalendar('XNYS').sessionsBetween('2024-01-01', '2024-12-31').length,
        first: '2024-06-03',
        last: '2024-06-05',
      },
    ]);
  });

  it('refuses a bad query parameter with 400 naming it, and an unknown asset or job with 404', async () => {
    const badDate = await get('/api/chart?asset=ACME&start=2024-13-01&end=2024-12-31&basis=none');
    const badBasis = await get('/api/chart?asset=ACME&start=2024-01-01&end=2024-12-31&basis=dividends');
    const reversed = await get('/api/chart?asset=ACME&start=2024-12-31&end=2024-01-01&basis=none');
    const unknownParam = await get('/api/jobs?limit=5&drop=table');
    const unknownAsset = await get('/api/coverage?asset=NOPE');
    const unknownJob = await get('/api/jobs/987654');

    expect([badDate.status, badBasis.status, reversed.status, unknownParam.status]).toEqual([
      400, 400, 400, 400,
    ]);
    expect(badDate.body).toEqual({ error: expect.stringMatching(/^start: /) });
    expect(badBasis.body).toEqual({ error: expect.stringMatching(/^basis: /) });
    expect(reversed.body).toEqual({ error: 'start: start must not be after end' });
    expect(unknownParam.body).toEqual({ error: expect.stringContaining('drop') });
    expect([unknownAsset.status, unknownJob.status]).toEqual([404, 404]);
    expect(unknownAsset.body).toEqual({ error: 'unknown asset NOPE (see the universe file)' });
  });

  it('only reads: other methods are refused, and so is a request naming another host', async () => {
    const post = await get('/api/jobs', { method: 'POST', body: '{}' });
    const rebound = await statusWithHost('/api/jobs', 'attacker.example');

    expect([post.status, rebound]).toEqual([405, 421]);
  });

  it('serves the pages and the charting library from the installed package, with a same-origin policy', async () => {
    const page = await fetch(new URL('/chart.html', fx.console.url));
    const library = await get('/vendor/lightweight-charts.mjs');

    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/chart.js">');
    expect(library.status).toBe(200);
    expect(library.type).toContain('text/javascript');
    expect(library.text).toContain('createChart');
    expect(library.text).not.toMatch(/from\s*["']fancy-canvas["']/); // the standalone build: no bare import
  });
});
