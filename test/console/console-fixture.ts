import { randomBytes } from 'node:crypto';
import { type ConsoleServer, startConsole } from '#shared/console/server.ts';
import { ensureAnalystLogin, readerUrl } from '#shared/db/analyst-login.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { createJob, finishTask, startTask } from '#shared/db/jobs.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';

/** Markup in a stored task error: the console must show it as text, never run it. */
export const HOSTILE_ERROR = 'yahoo: HTTP 500 <img src=x onerror="window.injected=1"><b>bold</b>';

/** A test database, a read-only login of it (migration 0010's role) and the console serving over it. */
export interface ConsoleFixture {
  db: TestDatabase;
  reader: Sql;
  readerUrl: string;
  console: ConsoleServer;
  close(): Promise<void>;
}

export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const db = await createTestDatabase();
  const login = {
    username: `console_${randomBytes(4).toString('hex')}`,
    password: randomBytes(12).toString('hex'),
  };
  await ensureAnalystLogin(db.sql, login);
  const url = readerUrl(db.url, login);
  const reader = createSql(url, { max: 4 });
  const server = await startConsole({ sql: reader, port: 0, log: () => {} });
  return {
    db,
    reader,
    readerUrl: url,
    console: server,
    close: async () => {
      await server.close();
      await reader.end({ timeout: 5 });
      await db.sql.unsafe(`DROP ROLE IF EXISTS ${login.username}`);
      await db.drop();
    },
  };
}

/**
 * A backfill job of one task on `symbol` that failed with HOSTILE_ERROR, recorded through the job
 * functions the ingest uses. The asset must be stored.
 */
export async function recordFailedJob(sql: Sql, symbol: string): Promise<number> {
  const [asset] = await sql<{ id: number }[]>`SELECT id FROM assets WHERE symbol = ${symbol}`;
  if (!asset) throw new Error(`recordFailedJob: ${symbol} is not stored`);
  const { job, tasks } = await createJob(sql, {
    kind: 'backfill',
    rangeStart: '2024-01-01',
    rangeEnd: '2024-01-31',
    assets: [symbol],
    request: { start: '2024-01-01', end: '2024-01-31', assets: [symbol] },
    tasks: [{ assetId: asset.id, rangeStart: '2024-01-01', rangeEnd: '2024-01-31' }],
  });
  const task = tasks[0];
  if (!task) throw new Error('recordFailedJob: no task');
  await startTask(sql, task.id, job.id);
  await finishTask(sql, task.id, { status: 'failed', error: HOSTILE_ERROR, rowsUpserted: 0 });
  return job.id;
}
