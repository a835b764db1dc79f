import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createSql } from '#shared/db/client.ts';
import { migrate } from '#shared/db/migrations.ts';
import { APP_ROLE, startRdsLikeCluster } from './rds-like-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The superuser's URL (database `postgres`): create and drop databases with it, nothing else. */
    postgresUrl: string;
    /** The application role's URL (database `postgres`); test databases swap the database name. */
    postgresAppUrl: string;
    /** The CA the test cluster's certificate chains to. */
    postgresCaFile: string;
  }
}

/** Name of the migrated database that each test file clones (CREATE DATABASE ... TEMPLATE is ~50 ms). */
export const MIGRATED_TEMPLATE = 'migrated_template';

/**
 * One throwaway PostgreSQL cluster for the whole run, RDS-like (TLS and SCRAM only, verify-full, an
 * application role that is not a superuser), with a template database migrated by that role.
 */
export async function setup(project: TestProject) {
  const root = await mkdtemp(join(tmpdir(), 'market-data-test-'));
  const cluster = await startRdsLikeCluster(root);
  const admin = createSql(cluster.adminUrl, { max: 1 });
  try {
    await admin.unsafe(`CREATE DATABASE ${MIGRATED_TEMPLATE} OWNER ${APP_ROLE}`);
    const template = createSql(cluster.appUrl(MIGRATED_TEMPLATE), { max: 1 });
    await migrate(template);
    await template.end();
  } finally {
    await admin.end();
  }
  project.provide('postgresUrl', cluster.adminUrl);
  project.provide('postgresAppUrl', cluster.appUrl('postgres'));
  project.provide('postgresCaFile', cluster.caFile);
  return async () => {
    await cluster.stop();
    await rm(root, { recursive: true, force: true });
  };
}
