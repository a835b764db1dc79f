import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AdjustedBar, adjustedPrices } from '#shared/db/adjusted-prices.ts';
import { type Asset, listAssets, syncAssets } from '#shared/db/assets.ts';
import { selectActions, upsertCorporateActions } from '#shared/db/corporate-actions.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { type Split, toAsTraded } from '#shared/domain/price-basis.ts';
import type { ProviderBar } from '#shared/providers/index.ts';
import { readChart } from '#shared/providers/yahoo/read-chart.ts';
import { asCorporateActions, mergeSplits, splitsOf } from '#shared/usecases/refresh-corporate-actions.ts';
import { readFixture } from '#test/providers/support/harness.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';

/*
 * The real recordings, stored the way the ingest stores them (as traded, with the fetch's actions),
 * then read back through adjusted_prices(): Yahoo's own close and adjclose are the answer key.
 */
const AAPL_2021 = 'historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json'; // fetched 2021-11-12
const AAPL_2025 = 'chart-AAPL-2020-08-31-to-2020-11-07.body.json'; // fetched 2025-02-19
const NVDA_2025 = 'historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.body.json'; // 2025-02-21
const MSFT_2025 = 'historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.body.json'; // 2025-02-21
/** NVDA's 10:1 split of June 2024, which its 2025 fetch is adjusted for but does not list. */
const NVDA_2024_SPLIT: Split = { exDate: '2024-06-10', numerator: 10, denominator: 1 };

let db: TestDatabase;
let assets: Map<string, Asset>;
beforeAll(async () => {
  db = await createTestDatabase();
  const config = {
    category: 'stock',
    calendar: 'XNYS',
    provider: 'yahoo',
    currency: 'USD',
    active: true,
  } as const;
  await syncAssets(
    db.sql,
    ['AAPL', 'NVDA', 'MSFT'].map((symbol) => ({ ...config, symbol, name: symbol, providerSymbol: symbol })),
  );
  assets = new Map((await listAssets(db.sql)).map((a) => [a.symbol, a]));
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`TRUNCATE prices_daily, corporate_actions`;
});

/** Stores a recording as the ingest would on `fetchedOn`, with `knownSplits` from the action history. */
async function storeRecording(symbol: string, file: string, fetchedOn: string, knownSplits: Split[] = []) {
  const asset = assets.get(symbol) as Asset;
  const outcome = readChart(await readFixture('yahoo', file), { start: '2000-01-01', end: '2030-01-01' }, 1);
  if (outcome.kind !== 'ok') throw new Error(`${file}: ${outcome.kind}`);
  const splits = mergeSplits(knownSplits, splitsOf(outcome.splits));
  const known = knownSplits.map((s) => ({
    sessionDate: s.exDate,
    numerator: s.numerator,
    denominator: s.denominator,
  }));
  await upsertCorporateActions(
    db.sql,
    asCorporateActions(
      asset,
      { splits: [...known, ...outcome.splits], dividends: outcome.dividends },
      fetchedOn,
      splits,
    ),
  );
  const stored = toAsTraded(outcome.bars, splits, fetchedOn).map((b) => ({
    ...b,
    assetId: asset.id,
    source: 'yahoo',
  }));
  const upserted = await upsertDailyBars(db.sql, stored);
  return { bars: outcome.bars, upserted };
}

function read(symbol: string, basis: 'none' | 'splits' | 'total', start = '2000-01-01', end = '2030-01-01') {
  return adjustedPrices(db.sql, { symbols: [symbol], start, end, basis });
}

/** The largest relative difference between our and Yahoo's ratio of any two sessions. */
function worstRatioError(ours: AdjustedBar[], yahoo: ProviderBar[]): number {
  const theirs = new Map(yahoo.map((b) => [b.sessionDate, b.adjClose as number]));
  const pairs = ours.map((b) => [b.close, theirs.get(b.sessionDate) as number] as const);
  let worst = 0;
  for (const [ourI, yahooI] of pairs) {
    for (const [ourJ, yahooJ] of pairs) {
      worst = Math.max(worst, Math.abs(ourI / ourJ / (yahooI / yahooJ) - 1));
    }
  }
  return worst;
}

function worstCloseError(ours: AdjustedBar[], yahoo: ProviderBar[]): number {
  const theirs = new Map(yahoo.map((b) => [b.sessionDate, b.close]));
  return Math.max(...ours.map((b) => Math.abs(b.close / (theirs.get(b.sessionDate) as number) - 1)));
}

describe('adjusted_prices over the real Yahoo recordings', () => {
  it("reproduces MSFT's adjclose ratio between any two sessions from its stored dividends", async () => {
    const { bars } = await storeRecording('MSFT', MSFT_2025, '2025-02-21');
    const total = await read('MSFT', 'total');
    expect(total).toHaveLength(bars.length);
    expect(worstRatioError(total, bars)).toBeLessThan(1e-4);
  });

  it("stores MSFT's four dividends as paid and factors that change only on their ex-dates", async () => {
    await storeRecording('MSFT', MSFT_2025, '2025-02-21');
    const actions = await selectActions(db.sql, [assets.get('MSFT')?.id as number]);
    expect(actions.map((a) => [a.exDate, a.kind, a.amount, a.currency])).toEqual([
      ['2021-02-17', 'dividend', 0.56, 'USD'],
      ['2021-05-19', 'dividend', 0.56, 'USD'],
      ['2021-08-18', 'dividend', 0.56, 'USD'],
      ['2021-11-17', 'dividend', 0.62, 'USD'],
    ]);
    const total = await read('MSFT', 'total');
    expect(factorChanges(total)).toEqual(['2021-02-17', '2021-05-19', '2021-08-18', '2021-11-17']);
  });

  it("gives AAPL's 2021 fetch a split-adjusted series equal to Yahoo's close and its adjclose ratios", async () => {
    const { bars } = await storeRecording('AAPL', AAPL_2021, '2021-11-12');
    expect(worstCloseError(await read('AAPL', 'splits'), bars)).toBeLessThan(1e-6);
    expect(worstRatioError(await read('AAPL', 'total'), bars)).toBeLessThan(1e-4);
  });

  it('stores the AAPL sessions of a 2021 and an overlapping 2025 fetch as one unchanged as-traded history', async () => {
    await storeRecording('AAPL', AAPL_2021, '2021-11-12');
    const before = await read('AAPL', 'none');
    const { bars, upserted } = await storeRecording('AAPL', AAPL_2025, '2025-02-19');
    const after = await read('AAPL', 'none');
    expect(upserted).toEqual({ inserted: 0, updated: 0, unchanged: bars.length });
    expect(after).toEqual(before);
    // As traded, the day before the 4:1 split closed near 500, the split day near 129.
    const close = (date: string) => after.find((b) => b.sessionDate === date)?.close;
    expect(close('2020-08-28')).toBeCloseTo(499.23, 2);
    expect(close('2020-08-31')).toBeCloseTo(129.04, 2);
  });

  it('changes the AAPL total-return factor only on its ex-dates after both fetches, matching the 2025 adjclose', async () => {
    await storeRecording('AAPL', AAPL_2021, '2021-11-12');
    const { bars } = await storeRecording('AAPL', AAPL_2025, '2025-02-19');
    const total = await read('AAPL', 'total');
    expect(factorChanges(total)).toEqual([
      '2020-02-07',
      '2020-05-08',
      '2020-08-07',
      '2020-08-31',
      '2020-11-06',
    ]);
    expect(worstRatioError(await read('AAPL', 'total', '2020-08-31', '2020-11-06'), bars)).toBeLessThan(1e-4);
    expect(worstCloseError(await read('AAPL', 'splits', '2020-08-31', '2020-11-06'), bars)).toBeLessThan(
      1e-6,
    );
  });

  it("gives NVDA's 2025 fetch with its full split history the as-traded 2021 prices, 40x before 2021-07-20", async () => {
    const { bars } = await storeRecording('NVDA', NVDA_2025, '2025-02-21', [NVDA_2024_SPLIT]);
    const none = await read('NVDA', 'none');
    const recorded = new Map(bars.map((b) => [b.sessionDate, b]));
    const multiple = (b: AdjustedBar) => b.close / (recorded.get(b.sessionDate)?.close as number);
    expect(none.find((b) => b.sessionDate === '2021-02-01')?.close).toBeCloseTo(529.48, 4);
    for (const bar of none) expect(multiple(bar)).toBeCloseTo(bar.sessionDate < '2021-07-20' ? 40 : 10, 4);
    const volume = none.find((b) => b.sessionDate === '2021-02-01')?.volume;
    expect(volume).toBe((recorded.get('2021-02-01')?.volume as number) / 40);
    expect(worstCloseError(await read('NVDA', 'splits'), bars)).toBeLessThan(1e-6);
  });

  it('rejects a basis other than none, splits or total', async () => {
    await expect(read('MSFT', 'dividends' as never)).rejects.toThrow(/basis must be none, splits or total/);
  });
});

/** Sessions whose factor differs from the session before: where an action takes effect. */
function factorChanges(bars: AdjustedBar[]): string[] {
  return bars.filter((b, i) => i > 0 && b.factor !== bars[i - 1]?.factor).map((b) => b.sessionDate);
}
