import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSql, type Sql } from '#shared/db/client.ts';
import { migrate } from '#shared/db/migrations.ts';
import { MIGRATED_TEMPLATE } from './global-setup.ts';
import { APP_ROLE, withCredentials } from './rds-like-cluster.ts';

export interface TestDatabase {
  sql: Sql;
  /** The application role's URL of this database (TLS, verify-full): what DATABASE_URL would be. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database in the run's throwaway RDS-like cluster, owned by the application role: migrated
 * (a clone of the template) or empty. Each test file makes its own, so files run in parallel without
 * seeing each other's rows. `icuLocale` (e.g. en-US): its default collation is that language's, as on
 * RDS (en_US.UTF-8) rather than the cluster's C; migrated in place, not cloned.
 */
export async function createTestDatabase(
  options: { migrated?: boolean; max?: number; icuLocale?: string } = {},
): Promise<TestDatabase> {
  const adminUrl = inject('postgresUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const migrated = options.migrated !== false;
  if (options.icuLocale) {
    // A default collation of a language's, as RDS gives (en_US.UTF-8): from template0, migrated here.
    const locale = options.icuLocale.replace(/[^A-Za-z-]/g, '');
    await asAdmin(
      adminUrl,
      `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${locale}' LOCALE 'C' OWNER ${APP_ROLE}`,
    );
  } else {
    const template = migrated ? MIGRATED_TEMPLATE : 'template0';
    await asAdmin(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template} OWNER ${APP_ROLE}`);
  }
  const url = withCredentials(inject('postgresAppUrl'), name);
  const sql = createSql(url, { max: options.max ?? 10 });
  if (options.icuLocale && migrated) await migrate(sql);
  return {
    sql,
    url,
    name,
    drop: async () => {
      await sql.end({ timeout: 5 });
      await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  const admin = createSql(adminUrl, { max: 1 });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}
