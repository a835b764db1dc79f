import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustedPrices } from '#shared/db/adjusted-prices.ts';
import { selectActions } from '#shared/db/corporate-actions.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, pipelineHarness, useAssets } from './support/harness.ts';
import { storedBars } from './support/stored.ts';

/*
 * Corporate actions end to end over HTTP: the market server re-bases its history as of its clock the
 * way Yahoo does, and the ingest must store every session as traded whatever basis it was served on.
 */
const MONDAY = new Date('2025-03-10T12:00:00Z'); // last complete NYSE session: Friday 2025-03-07
const WEDNESDAY = new Date('2025-03-12T12:00:00Z'); // last complete: Tuesday 2025-03-11

let db: TestDatabase;
let server: MarketServer;
let now = MONDAY;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({
    seed: 7,
    now: () => now.getTime(),
    corporateActions: [
      { symbol: 'OLDS', exDate: '2025-01-15', kind: 'split', numerator: 3, denominator: 2 },
      { symbol: 'OLDS', exDate: '2024-12-16', kind: 'dividend', amount: 0.5 },
      { symbol: 'SPLT', exDate: '2025-03-03', kind: 'dividend', amount: 0.25 },
    ],
  });
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

/** One ingest of `symbol` over [start, end] with the pipeline's clock at `at`. */
async function collect(symbol: string, start: string, end: string, at: Date) {
  now = at;
  const [asset] = await useAssets(db.sql, [assetConfig(symbol)]);
  if (!asset) throw new Error(`asset ${symbol} was not stored`);
  const { messages } = await jobOver(db.sql, [asset], start, end, 'scheduled');
  const harness = pipelineHarness({ sql: db.sql, server });
  const result = await ingestTask({ ...harness.deps, now: () => at }, messages[0] as (typeof messages)[0], 1);
  return { asset, result };
}

describe('ingesting a symbol with corporate actions from the market server', () => {
  it('stores the as-traded bars of a range before a split that only the action history shows', async () => {
    // Prepare: the 3:2 split of 2025-01-15 is after the range, so the range's own events omit it
    const served = server.barsFor('yahoo', 'OLDS', '2024-12-02', '2024-12-31');

    // Act
    const { asset, result } = await collect('OLDS', '2024-12-02', '2024-12-31', MONDAY);

    // Assess
    expect(result).toMatchObject({ kind: 'done', status: 'success' });
    const traded = server.tradedBarsFor('yahoo', 'OLDS', '2024-12-02', '2024-12-31');
    expect(await storedBars(db.sql, asset.id)).toEqual(traded);
    expect(traded[0]?.close).toBeCloseTo((served[0]?.close ?? 0) * 1.5, 3);
    const actions = await selectActions(db.sql, [asset.id]);
    expect(actions.map((a) => [a.exDate, a.kind, a.numerator ?? a.amount])).toEqual([
      ['2024-12-16', 'dividend', 0.5],
      ['2025-01-15', 'split', 3],
    ]);
  });

  it('keeps stored as-traded values unchanged when a split is announced between two daily collects', async () => {
    // Prepare: Monday's collect of the last 7 sessions
    const first = await collect('SPLT', '2025-02-27', '2025-03-07', MONDAY);
    const before = await storedBars(db.sql, first.asset.id);

    // Act: a 4:1 split effective Tuesday, then Wednesday's collect re-fetches the overlap re-based
    server.announceCorporateAction({
      symbol: 'SPLT',
      exDate: '2025-03-11',
      kind: 'split',
      numerator: 4,
      denominator: 1,
    });
    const second = await collect('SPLT', '2025-02-28', '2025-03-11', WEDNESDAY);

    // Assess
    expect(second.result).toMatchObject({ kind: 'done', status: 'success' });
    const after = await storedBars(db.sql, first.asset.id);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toEqual(server.tradedBarsFor('yahoo', 'SPLT', '2025-02-27', '2025-03-11'));
    const served = server.barsFor('yahoo', 'SPLT', '2025-02-27', '2025-03-11');
    expect(served[0]?.close).toBeCloseTo((before[0]?.close ?? 0) / 4, 3);
  });

  it('derives split-adjusted and total-return series that match what the server serves after the split', async () => {
    const served = new Map(
      server.barsFor('yahoo', 'SPLT', '2025-02-27', '2025-03-11').map((b) => [b.sessionDate, b]),
    );
    const query = { symbols: ['SPLT'], start: '2025-02-27', end: '2025-03-11' };
    const splits = await adjustedPrices(db.sql, { ...query, basis: 'splits' });
    const total = await adjustedPrices(db.sql, { ...query, basis: 'total' });
    expect(splits).toHaveLength(served.size);
    for (const bar of splits) {
      expect(bar.close / (served.get(bar.sessionDate)?.close as number)).toBeCloseTo(1, 6);
    }
    const ratio = (i: number, j: number) => (total[i]?.close as number) / (total[j]?.close as number);
    const servedRatio = (i: number, j: number) =>
      (served.get(total[i]?.sessionDate ?? '')?.adjClose as number) /
      (served.get(total[j]?.sessionDate ?? '')?.adjClose as number);
    for (let i = 0; i < total.length; i++) {
      for (let j = 0; j < total.length; j++) expect(ratio(i, j) / servedRatio(i, j)).toBeCloseTo(1, 4);
    }
    expect(
      total.filter((b, i) => i > 0 && b.factor !== total[i - 1]?.factor).map((b) => b.sessionDate),
    ).toEqual(['2025-03-03', '2025-03-11']);
  });
});
