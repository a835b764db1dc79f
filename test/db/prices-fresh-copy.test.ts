import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars, seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  assets = await seedAssets(db.sql, 4);
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`TRUNCATE prices_daily, price_revisions`;
});

describe('a COPY the server rejects', () => {
  it('fails with the server error after its last row and rolls its transaction back', async () => {
    // Prepare: one stored bar, and a COPY text that repeats it as its only row, so the unique violation
    // is found when the COPY ends (its rows are inserted in batches), not while it streams.
    const [bar] = makeBars(assets.slice(0, 1), ['2024-01-02']);
    if (!bar) throw new Error('no bar');
    await upsertDailyBars(db.sql, [bar]);
    const line = `${bar.assetId}\t${bar.sessionDate}\t${bar.source}\t${bar.open}\t${bar.high}\t${bar.low}\t${bar.close}\t${bar.adjClose}\t${bar.volume}\n`;

    // Act
    const copy = db.sql.begin(async (tx) => {
      const sink = await tx
        .unsafe(
          'COPY prices_daily (asset_id, session_date, source, open, high, low, close, adj_close, volume) FROM STDIN',
        )
        .writable();
      await pipeline(Readable.from([line]), sink);
    });

    // Assess: the error, not a pipeline that never settles, and no session left in an aborted transaction.
    await expect(copy).rejects.toMatchObject({ code: '23505' });
    const [{ aborted }] = await db.sql<[{ aborted: number }]>`
      SELECT count(*)::int AS aborted FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'idle in transaction (aborted)'`;
    expect(aborted).toBe(0);
  });
});

describe('upsertDailyBars of a large batch into a range its caller found empty', () => {
  it('lands in full through the merge when another writer stores one of its bars meanwhile', async () => {
    // Prepare: a large batch (COPY path) and another transaction that has stored, not yet committed,
    // one of its bars with other prices, so the range looked empty to the batch's caller.
    const bars = makeBars(assets, days('2024-01-01', 200));
    const [taken] = makeBars(assets.slice(0, 1), days('2024-01-01', 1), 1);
    if (!taken) throw new Error('no bar');
    const writer = await db.sql.reserve();
    await writer`BEGIN`;
    await upsertDailyBars(writer as unknown as Sql, [taken]);
    try {
      // Act: the batch starts, waits for the writer's key, and the writer commits.
      const upsert = upsertDailyBars(db.sql, bars, {}, { noneStoredBefore: true });
      await waitForLockWait();
      await writer`COMMIT`;
      const result = await upsert;

      // Assess: every bar stored, the writer's bar revised to the batch's values and logged.
      expect(result).toEqual({ inserted: bars.length - 1, updated: 1, unchanged: 0 });
      const [stored] = await db.sql<[{ rows: number; revised: number }]>`
        SELECT (SELECT count(*)::int FROM prices_daily) AS rows,
               (SELECT count(*)::int FROM price_revisions WHERE old_open = ${String(taken.open)}::numeric) AS revised`;
      expect(stored).toEqual({ rows: bars.length, revised: 1 });
    } finally {
      writer.release();
    }
  });

  it('keeps asset_coverage and asset_month_bars exactly what the stored bars say', async () => {
    // Prepare: two assets' history in one fresh batch, then a later stretch, one of them overlapping.
    const first = makeBars(assets.slice(0, 2), days('2023-12-20', 300));
    const later = makeBars(assets.slice(1, 3), days('2024-09-01', 200), 1);

    // Act: the first copied straight in, the later one merged.
    await upsertDailyBars(db.sql, first, {}, { noneStoredBefore: true });
    await upsertDailyBars(db.sql, later);

    // Assess: both tables equal a recomputation from prices_daily.
    const [diff] = await db.sql<[{ coverage: number; months: number }]>`
      WITH coverage AS (
        SELECT asset_id, source, min(session_date) AS first_session, max(session_date) AS latest_session
        FROM prices_daily GROUP BY 1, 2
      ),
      months AS (
        SELECT asset_id, date_trunc('month', session_date)::date AS month, source,
               bit_or(1 << (extract(day FROM session_date)::int - 1)) AS days
        FROM prices_daily GROUP BY 1, 2, 3
      )
      SELECT (SELECT count(*)::int FROM ((SELECT * FROM coverage EXCEPT SELECT * FROM asset_coverage)
                UNION ALL (SELECT * FROM asset_coverage EXCEPT SELECT * FROM coverage)) c) AS coverage,
             (SELECT count(*)::int FROM ((SELECT * FROM months EXCEPT SELECT * FROM asset_month_bars)
                UNION ALL (SELECT * FROM asset_month_bars EXCEPT SELECT * FROM months)) m) AS months`;
    expect(diff).toEqual({ coverage: 0, months: 0 });
    const [{ months }] = await db.sql<
      [{ months: number }]
    >`SELECT count(*)::int AS months FROM asset_month_bars`;
    expect(months).toBeGreaterThan(20);
  });
});

/** Until a session of this database waits for a lock (the batch, on the writer's uncommitted key). */
async function waitForLockWait(): Promise<void> {
  for (;;) {
    const [{ waiting }] = await db.sql<[{ waiting: number }]>`
      SELECT count(*)::int AS waiting FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (waiting > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10)); // a poll interval, not a speed assumption
  }
}
