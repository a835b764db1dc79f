import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { parseUniverse } from '#shared/universe/universe.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars } from '#test/support/fixtures.ts';
import { assetConfig, pipelineHarness } from '#test/usecases/support/harness.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const bySymbol = async (symbol: string) => (await listAssets(db.sql, { symbols: [symbol] }))[0];

describe('syncAssets and the universe’s delistings and renames', () => {
  it('stores a delisted asset inactive with its date, and plans nothing after it', async () => {
    // Prepare
    await syncAssets(db.sql, [assetConfig('DLX', { delistedOn: '2025-02-14' })]);
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    const plan = await planBackfill(deps, {
      start: '2025-02-03',
      end: '2025-03-07',
      assets: ['DLX'],
      dryRun: true,
    });

    // Assess
    expect(await bySymbol('DLX')).toMatchObject({ active: false, delistedOn: '2025-02-14' });
    expect(plan.tasks).toEqual([
      expect.objectContaining({ start: '2025-02-03', end: '2025-02-14', sessions: 10 }),
    ]);
  });

  it('keeps the asset and its history when its provider symbol is renamed', async () => {
    // Prepare
    await syncAssets(db.sql, [assetConfig('RNM', { providerSymbol: 'OLDNAME' })]);
    const before = await bySymbol('RNM');
    await upsertDailyBars(db.sql, makeBars([before as { id: number }], days('2025-01-02', 3)));

    // Act
    await syncAssets(db.sql, [assetConfig('RNM', { providerSymbol: 'NEWNAME' })]);

    // Assess
    expect(await bySymbol('RNM')).toMatchObject({ id: before?.id, providerSymbol: 'NEWNAME', active: true });
  });

  it('renames an asset listed under a former symbol instead of starting a new one', async () => {
    // Prepare
    await syncAssets(db.sql, [assetConfig('FBX')]);
    const before = await bySymbol('FBX');

    // Act
    await syncAssets(db.sql, [assetConfig('METAX', { formerSymbols: ['FBX'] })]);

    // Assess
    expect(await bySymbol('METAX')).toMatchObject({ id: before?.id, active: true });
    expect(await bySymbol('FBX')).toBeUndefined();
  });

  it('refuses a universe that gives a former symbol to two assets or keeps it current', () => {
    const universe = (assets: object[]) => JSON.stringify({ assets });
    const a = { ...assetConfig('AAA'), formerSymbols: ['OLD'] };
    expect(() => parseUniverse(universe([a, { ...assetConfig('BBB'), formerSymbols: ['OLD'] }]))).toThrow(
      /former symbol/,
    );
    expect(() => parseUniverse(universe([a, assetConfig('OLD')]))).toThrow(/former symbol/);
  });
});
