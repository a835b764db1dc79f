import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { recordCompleteSessions } from '#shared/db/coverage.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { recordQualityFlags } from '#shared/db/quality-flags.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, useAssets } from '#test/usecases/support/harness.ts';

/* Recording a job's complete sessions costs the same whatever the history stored around it. */

const xnys = getCalendar('XNYS');
const JOB = { start: '2025-02-03', end: '2025-02-14' }; // 10 sessions

let db: TestDatabase;
let assets: Asset[];
let others: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  const crypto = Array.from({ length: 200 }, (_, i) =>
    assetConfig(`KRW-C${i}`, { calendar: '24/7', provider: 'upbit', currency: 'KRW' }),
  );
  const nyse = ['AAA', 'BBB', 'CCC', 'DDD'].map((s) => assetConfig(s));
  const all = await useAssets(db.sql, [...nyse, ...crypto]);
  assets = all.filter((a) => a.calendar === 'XNYS');
  others = all.filter((a) => a.calendar !== 'XNYS');
});
afterAll(async () => {
  await db.drop();
});

async function storeBars(start: string, end: string, of: () => Asset[] = () => assets): Promise<void> {
  const sessions = xnys.sessionsBetween(start, end);
  await upsertDailyBars(
    db.sql,
    of().flatMap((a) =>
      sessions.map((sessionDate) => ({
        assetId: a.id,
        sessionDate,
        source: 'yahoo',
        open: 10,
        high: 11,
        low: 9,
        close: 10,
        adjClose: 10,
        volume: 1,
      })),
    ),
  );
  await db.sql`ANALYZE prices_daily`;
}

/**
 * Rows of prices_daily (heap rows from sequential scans, entries from its primary key) that one
 * recording reads: the difference of the backend's transaction counters (pg_stat_get_xact_*) read just
 * before and just after it, in one transaction, so that nothing else is counted and no flush is awaited.
 * The recording is rolled back.
 */
async function rowsReadByRecording(): Promise<{ rows: number; sessions: number }> {
  let measured = { rows: -1, sessions: -1 };
  const rowsSoFar = async (tx: Sql) => {
    const [read] = await tx<{ rows: number }[]>`
      SELECT (pg_stat_get_xact_tuples_returned('prices_daily'::regclass)
            + pg_stat_get_xact_tuples_returned('prices_daily_pkey'::regclass))::int AS rows`;
    return read?.rows ?? Number.NaN;
  };
  await db.sql
    .begin(async (transaction) => {
      const tx = transaction as unknown as Sql;
      const before = await rowsSoFar(tx);
      const sessions = await recordCompleteSessions(tx, 'XNYS', xnys.sessionsBetween(JOB.start, JOB.end));
      measured = { rows: (await rowsSoFar(tx)) - before, sessions: sessions.length };
      throw new RolledBack();
    })
    .catch((error: unknown) => {
      if (!(error instanceof RolledBack)) throw error;
    });
  return measured;
}

class RolledBack extends Error {}

describe('recordCompleteSessions', () => {
  it('reads no bar of prices_daily, with five years of history around the job or ten', async () => {
    // Prepare
    await storeBars('2020-01-02', '2025-02-28');
    const small = await rowsReadByRecording();
    await storeBars('2015-01-02', '2019-12-31');
    await storeBars('2015-01-02', '2025-02-28', () => others); // another market's history

    // Act
    const large = await rowsReadByRecording();

    // Assess
    expect(small).toEqual({ rows: 0, sessions: 10 });
    expect(large).toEqual({ rows: 0, sessions: 10 });
  });

  it('does not count a session at which an active asset has an open gap', async () => {
    // Prepare
    const [first] = assets;
    await recordQualityFlags(db.sql, [
      { assetId: first?.id ?? 0, sessionDate: '2025-02-05', kind: 'gap', reason: 'no bar' },
    ]);

    // Act
    const sessions = await db.sql
      .begin(async (tx) => {
        const found = await recordCompleteSessions(
          tx as unknown as Sql,
          'XNYS',
          xnys.sessionsBetween(JOB.start, JOB.end),
        );
        throw Object.assign(new RolledBack(), { found });
      })
      .catch((error: RolledBack & { found: { sessionDate: string }[] }) => error.found);

    // Assess
    expect(sessions.map((s) => s.sessionDate)).toEqual(
      xnys.sessionsBetween(JOB.start, JOB.end).filter((d) => d !== '2025-02-05'),
    );
  });
});
