import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revisionsCommand } from '#shared/cli/revisions-command.ts';
import type { Config } from '#shared/config.ts';
import type { Asset } from '#shared/db/assets.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { InputError } from '#shared/domain/errors.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars, seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let assets: Asset[];
let config: Config;
beforeAll(async () => {
  db = await createTestDatabase();
  assets = await seedAssets(db.sql, 2);
  config = { DATABASE_URL: db.url, DATA_DIR: '/nonexistent' } as Config;
  const dates = days('2024-01-01', 5);
  await upsertDailyBars(db.sql, makeBars(assets, dates));
  await upsertDailyBars(db.sql, makeBars(assets, dates.slice(0, 2), 1));
});
afterAll(async () => {
  await db.drop();
});

/** Runs the command and captures what it printed. */
async function revisions(raw: Record<string, unknown>, json = true) {
  let printed = '';
  const out = {
    json,
    info: () => {},
    result: <T>(value: T, human: (value: T) => string) => {
      printed = json ? JSON.stringify(value) : human(value);
    },
  };
  const code = await revisionsCommand(config, out, { limit: '100', ...raw });
  return { code, printed };
}

describe('the revisions command', () => {
  it('lists the revisions of the named assets, newest first, with old and new values', async () => {
    // Act
    const { code, printed } = await revisions({ assets: assets[1]?.symbol });

    // Assess
    const listed = JSON.parse(printed) as { symbol: string; old: { open: number }; new: { open: number } }[];
    expect(code).toBe(0);
    expect(listed).toHaveLength(2);
    expect(listed.every((r) => r.symbol === assets[1]?.symbol && r.new.open === r.old.open + 1)).toBe(true);
  });

  it('honours --limit and --since, and prints a table for people', async () => {
    // Act
    const limited = await revisions({ limit: '1' });
    const future = await revisions({ since: '2999-01-01' }, false);
    const human = await revisions({}, false);

    // Assess
    expect(JSON.parse(limited.printed)).toHaveLength(1);
    expect(future.printed).toBe('no revisions');
    expect(human.printed.split('\n')[0]).toMatch(/^revised at\s+asset\s+session\s+cause/);
  });

  it('changes nothing in the database', async () => {
    // Prepare
    const count = async () =>
      (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM price_revisions`)[0]?.n;
    const before = await count();

    // Act
    await revisions({});

    // Assess
    expect(await count()).toBe(before);
  });

  it('refuses a bad option with a one-line reason', async () => {
    await expect(revisions({ since: 'yesterday' })).rejects.toThrow(InputError);
    await expect(revisions({ limit: '0' })).rejects.toThrow(/--limit/);
  });
});
