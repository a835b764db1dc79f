import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig } from '#test/usecases/support/harness.ts';

/** Symbols whose order depends on the collation: a leading caret, digits, a dash, upper case. */
const SYMBOLS = ['KS200', '^KS11', 'BRKB', '005930.KS', 'KRW-BTC', 'BRK-B'];

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ icuLocale: 'en-US' });
}, 60_000);
afterAll(async () => {
  await db.drop();
});

describe('symbols in a database whose default collation is en-US, as on RDS', () => {
  it('are listed in byte order, as on a laptop and as the freshness check sorts them', async () => {
    // Prepare
    await syncAssets(
      db.sql,
      SYMBOLS.map((s) => assetConfig(s)),
    );
    const [{ language }] = await db.sql<[{ language: string[] }]>`
      SELECT array_agg(x ORDER BY x) AS language FROM unnest(${SYMBOLS}::text[]) x`;

    // Act
    const listed = (await listAssets(db.sql)).map((a) => a.symbol);

    // Assess: the database's own order is the language's (the test means something), the listing is not
    expect(language).not.toEqual([...SYMBOLS].sort());
    expect(listed).toEqual([...SYMBOLS].sort());
  });
});
