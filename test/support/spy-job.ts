import type { Sql } from '#shared/db/client.ts';
import { createJob } from '#shared/db/jobs.ts';

/** A pending backfill job of one task, SPY over January 2024 (SPY must be in the assets table). */
export async function createSpyJob(sql: Sql): Promise<number> {
  const [spy] = await sql<{ id: number }[]>`SELECT id FROM assets WHERE symbol = 'SPY'`;
  if (!spy) throw new Error('createSpyJob: SPY is not in the assets table; sync the universe first');
  const { job } = await createJob(sql, {
    kind: 'backfill',
    rangeStart: '2024-01-02',
    rangeEnd: '2024-01-31',
    assets: ['SPY'],
    request: {},
    tasks: [{ assetId: spy.id, rangeStart: '2024-01-02', rangeEnd: '2024-01-31' }],
  });
  return job.id;
}
