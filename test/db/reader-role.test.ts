import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnalystLogin, ensureAnalystLogin, readerUrl } from '#shared/db/analyst-login.ts';
import { syncAssets } from '#shared/db/assets.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';

/*
 * Migration 0010's group role and a login made a member of it, on the run's RDS-like cluster (the login
 * is made by the non-superuser application role, as the migrate function does on RDS): it reads the
 * data and the jobs, and every write is refused.
 */
let db: TestDatabase;
let reader: Sql;
const login: AnalystLogin = {
  username: `reader_${randomBytes(4).toString('hex')}`,
  password: `it's a "pass" ${randomBytes(6).toString('hex')}`, // quotes: the statement must quote it
};

beforeAll(async () => {
  db = await createTestDatabase();
  await syncAssets(db.sql, [
    {
      symbol: 'SPY',
      name: 'SPY',
      providerSymbol: 'SPY',
      category: 'etf',
      calendar: 'XNYS',
      provider: 'yahoo',
      currency: 'USD',
      active: true,
    },
  ]);
  await ensureAnalystLogin(db.sql, login);
  reader = createSql(readerUrl(db.url, login), { max: 1 });
});

afterAll(async () => {
  await reader?.end({ timeout: 5 });
  await db.sql.unsafe(`DROP ROLE IF EXISTS ${login.username}`);
  await db.drop();
});

describe('the read-only role', () => {
  it('reads the data tables, the job records and the adjusted prices', async () => {
    const assets = await reader`SELECT id, symbol FROM assets`;
    const jobs = await reader`SELECT count(*)::int AS n FROM job_runs`;
    const adjusted = await reader`
      SELECT * FROM adjusted_prices(${assets[0]?.id}, '2024-01-01', '2024-12-31', 'splits')`;

    expect(assets.map((a) => a.symbol)).toEqual(['SPY']);
    expect(jobs[0]?.n).toBe(0);
    expect(adjusted).toEqual([]);
  });

  it('is refused every write, even when it turns its session read-write', async () => {
    const insert = reader`INSERT INTO job_runs (kind, status) VALUES ('daily', 'running')`;
    await expect(insert).rejects.toMatchObject({ code: '25006' }); // read-only transaction

    const update = reader.begin(async (tx) => {
      await tx`SET TRANSACTION READ WRITE`;
      await tx`UPDATE assets SET name = 'changed'`;
    });
    await expect(update).rejects.toMatchObject({ code: '42501' }); // permission denied

    const create = reader.begin(async (tx) => {
      await tx`SET TRANSACTION READ WRITE`;
      await tx`CREATE TABLE public.mine (x int)`;
    });
    await expect(create).rejects.toMatchObject({ code: '42501' });
    expect((await db.sql`SELECT name FROM assets`)[0]?.name).toBe('SPY');
  });

  it('does not see the migration history or the event outbox', async () => {
    await expect(reader`SELECT * FROM schema_migrations`).rejects.toMatchObject({ code: '42501' });
    await expect(reader`SELECT * FROM domain_events`).rejects.toMatchObject({ code: '42501' });
  });

  it('is made again idempotently with a new password, which is the one that works', async () => {
    const rotated = { ...login, password: randomBytes(12).toString('hex') };

    await ensureAnalystLogin(db.sql, rotated);
    const again = createSql(readerUrl(db.url, rotated), { max: 1 });
    const stale = createSql(readerUrl(db.url, login), { max: 1 });

    try {
      expect((await again`SELECT current_user AS u`)[0]?.u).toBe(login.username);
      await expect(stale`SELECT 1`).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await again.end({ timeout: 5 });
      await stale.end({ timeout: 5 });
    }
  });
});
