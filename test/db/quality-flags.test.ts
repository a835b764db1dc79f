import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { clearResolvedFlags, listQualityFlags, recordQualityFlags } from '#shared/db/quality-flags.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let asset: Asset;
beforeAll(async () => {
  db = await createTestDatabase();
  [asset] = (await seedAssets(db.sql, 1)) as [Asset];
});
afterAll(async () => {
  await db.drop();
});

describe('quality flags', () => {
  it('records each finding once per asset, date and kind, the newest reason winning', async () => {
    const gap = { assetId: asset.id, sessionDate: '2024-01-03', kind: 'gap' as const, reason: 'no bar' };
    await recordQualityFlags(db.sql, [gap, { ...gap, sessionDate: '2024-01-04' }]);
    await recordQualityFlags(db.sql, [{ ...gap, reason: 'still no bar', detail: { attempts: 2 } }]);
    const flags = await listQualityFlags(db.sql, { kind: 'gap', symbol: asset.symbol });
    expect(flags.map((f) => [f.sessionDate, f.reason])).toEqual([
      ['2024-01-04', 'no bar'],
      ['2024-01-03', 'still no bar'],
    ]);
    expect(flags[1]?.detail).toEqual({ attempts: 2 });
  });

  it('clears gaps and rejections once a bar is stored for the session, but keeps large moves', async () => {
    await recordQualityFlags(db.sql, [
      { assetId: asset.id, sessionDate: '2024-02-01', kind: 'gap', reason: 'no bar' },
      { assetId: asset.id, sessionDate: '2024-02-01', kind: 'large_move', reason: '+40 %' },
      { assetId: asset.id, sessionDate: '2024-02-02', kind: 'rejected_bar', reason: 'low above high' },
    ]);
    await clearResolvedFlags(db.sql, asset.id, ['2024-02-01', '2024-02-02']);
    const flags = await listQualityFlags(db.sql, { since: '2024-02-01' });
    expect(flags.map((f) => `${f.sessionDate} ${f.kind}`)).toEqual(['2024-02-01 large_move']);
  });
});
