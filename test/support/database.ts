import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSql, type Sql } from '#shared/db/client.ts';
import { MIGRATED_TEMPLATE } from './global-setup.ts';

export interface TestDatabase {
  sql: Sql;
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database in the run's throwaway cluster: migrated (a clone of the template) or empty.
 * Each test file makes its own, so files run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(
  options: { migrated?: boolean; max?: number } = {},
): Promise<TestDatabase> {
  const serverUrl = inject('postgresUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = createSql(serverUrl, { max: 1 });
  const template = options.migrated === false ? 'template0' : MIGRATED_TEMPLATE;
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = serverUrl.replace(/\/postgres$/, `/${name}`);
  const sql = createSql(url, { max: options.max ?? 10 });
  return {
    sql,
    url,
    name,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const dropper = createSql(serverUrl, { max: 1 });
      await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
