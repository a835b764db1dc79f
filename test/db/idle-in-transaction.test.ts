import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '#shared/db/client.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('A client with idleInTransactionTimeoutMs (the Lambda path sets 60 s)', () => {
  it('has its sessions ended by the server when they sit inside a transaction, so no lock outlives them', async () => {
    // Prepare
    const sql = createSql(db.url, { max: 1, idleInTransactionTimeoutMs: 200 });

    // Act: a transaction that goes quiet (as a frozen Lambda or an abandoned task would)
    const outcome = sql
      .begin(async (tx) => {
        await tx`SELECT 1`;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await tx`SELECT 2`;
      })
      .then(
        () => 'committed',
        (error: { code?: string }) => error.code,
      );

    // Assess: the server ended the session (its FATAL 25P03, or the close that follows it) and the
    // pool still answers afterwards
    expect(['25P03', 'CONNECTION_CLOSED']).toContain(await outcome);
    expect(await sql`SELECT 3 AS n`).toEqual([{ n: 3 }]);
    await sql.end({ timeout: 1 });
  });
});
