import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createSql } from '#shared/db/client.ts';
import { startLocalPostgres } from '#shared/db/local-postgres.ts';
import { migrate } from '#shared/db/migrations.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** Name of the migrated database that each test file clones (CREATE DATABASE ... TEMPLATE is ~50 ms). */
export const MIGRATED_TEMPLATE = 'migrated_template';

/** One throwaway PostgreSQL cluster for the whole run, with a migrated template database. */
export async function setup(project: TestProject) {
  const root = await mkdtemp(join(tmpdir(), 'market-data-test-'));
  const cluster = await startLocalPostgres({ dataDir: join(root, 'pg'), ephemeral: true });
  const admin = createSql(cluster.url, { max: 1 });
  try {
    await admin.unsafe(`CREATE DATABASE ${MIGRATED_TEMPLATE}`);
    const template = createSql(cluster.url.replace(/\/postgres$/, `/${MIGRATED_TEMPLATE}`), { max: 1 });
    await migrate(template);
    await template.end();
  } finally {
    await admin.end();
  }
  project.provide('postgresUrl', cluster.url);
  return async () => {
    await cluster.stop();
    await rm(root, { recursive: true, force: true });
  };
}
