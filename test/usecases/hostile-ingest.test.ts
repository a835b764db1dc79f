import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobsCommand } from '#shared/cli/jobs-command.ts';
import { createOutput } from '#shared/cli/output.ts';
import { loadConfig } from '#shared/config.ts';
import { getTask } from '#shared/db/jobs.ts';
import { HOSTILE_CONTROLS } from '#shared/market-server/hostile.ts';
import { type MarketServer, NO_FAULTS, startMarketServer } from '#shared/market-server/index.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { controlCharactersIn } from '#test/support/control-characters.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';

const START = '2025-02-03';
const END = '2025-03-07';

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 9, now: () => NOW.getTime() });
});
afterEach(() => {
  server.setFaults(NO_FAULTS);
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

async function oneTask(symbol: string) {
  const [asset] = await useAssets(db.sql, [assetConfig(symbol)]);
  if (!asset) throw new Error(`asset ${symbol} was not stored`);
  const job = await jobOver(db.sql, [asset], START, END);
  const message = job.messages[0] as (typeof job.messages)[0];
  return { job, message, harness: pipelineHarness({ sql: db.sql, server }) };
}

/** `jobs ID` as a person sees it (or `--json`), its stdout captured. */
async function printJob(jobId: number, json = false): Promise<string> {
  let printed = '';
  const out = createOutput(json, { write: (text: string) => (printed += text) });
  await jobsCommand(loadConfig({ DATABASE_URL: db.url }), out, {
    id: String(jobId),
    watch: false,
    limit: '20',
  });
  return printed;
}

describe('Hostile provider answers in a task', () => {
  it('fail the task with the reason of a far timestamp recorded, instead of crashing the delivery', async () => {
    // Prepare
    server.setFaults({ hostile: 'farTimestamp' });
    const { message, harness } = await oneTask('FAR');

    // Act
    const result = await ingestTask(harness.deps, message, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'done', status: 'failed' });
    expect((await getTask(db.sql, message.taskId)).error).toMatch(
      /^invalid-response: yahoo FAR .*timestamp.*Too big/,
    );
  });

  it('record a 1 MB timezone as a task error of at most 500 characters', async () => {
    // Prepare
    server.setFaults({ hostile: 'longText' });
    const { message, harness } = await oneTask('LONGTZ');

    // Act
    await ingestTask(harness.deps, message, 1);

    // Assess
    const { error } = await getTask(db.sql, message.taskId);
    expect(error?.length).toBeLessThanOrEqual(500);
    expect(harness.log.entries.every((entry) => JSON.stringify(entry).length < 2_000)).toBe(true);
  });

  it('store and print a provider error without the escape sequences it carried', async () => {
    // Prepare
    server.setFaults({ hostile: 'controlText' });
    const { job, message, harness } = await oneTask('ESC');

    // Act
    await ingestTask(harness.deps, message, 1);
    const printed = await printJob(job.jobId);

    // Assess
    const { error } = await getTask(db.sql, message.taskId);
    expect(error).toContain('No data found, symbol may be delisted');
    expect(controlCharactersIn(error ?? '')).toEqual([]);
    expect(printed).toContain('No data found');
    expect(controlCharactersIn(printed, [10])).toEqual([]);
  });

  it('print a stored error that still holds escapes (written before cleaning) without them', async () => {
    // Prepare
    const { job, message } = await oneTask('OLDROW');
    await db.sql`UPDATE job_tasks SET error = ${`${HOSTILE_CONTROLS} old reason`} WHERE id = ${message.taskId}`;

    // Act
    const human = await printJob(job.jobId);
    const json = await printJob(job.jobId, true);

    // Assess
    expect(human).toContain('old reason');
    expect(controlCharactersIn(human, [10])).toEqual([]);
    expect(controlCharactersIn(json, [10])).toEqual([]);
    const parsed = JSON.parse(json);
    expect(parsed.tasks[0].error).toBe(`${HOSTILE_CONTROLS} old reason`); // --json keeps the stored value
  });
});
