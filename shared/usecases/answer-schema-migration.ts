import type { SchemaMigrationRequest } from '#shared/aws/schema-migration-request.ts';
import type { Sql } from '#shared/db/client.ts';
import { MigrationError } from '#shared/db/errors.ts';
import type { Log } from '#shared/domain/ports.ts';
import { prepareDatabase } from './prepare-database.ts';

/** The physical id of the one schema-migration resource; an Update keeps whatever it was sent. */
export const SCHEMA_MIGRATION_ID = 'schema-migrations';

export interface SchemaMigrationDeps {
  /** Opened only when there is something to apply: Delete and a rollback never connect. */
  database: () => Promise<Sql>;
  migrationsDir: string;
  /** hashMigrations() of the migrations this function was bundled with. */
  bundledHash: string;
  /** Runs after the migrations (e.g. the analyst login); absent where the stack has nothing to add. */
  afterMigrating?: (sql: Sql) => Promise<Record<string, string>>;
  log: Log;
}

export interface SchemaMigrationResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string | number>;
}

/**
 * Answers one CloudFormation request for Custom::SchemaMigration.
 * 1. Delete: nothing; the schema and its data are never dropped by a stack operation.
 * 2. An Update asking for migrations other than the bundled ones, from a state that had the bundled
 *    ones, is a rollback: CloudFormation sends it while the function still runs the new code, so
 *    applying would re-run the migration that just failed (UPDATE_ROLLBACK_FAILED). Migrations are
 *    forward-only, so it succeeds and applies nothing.
 * 3. Otherwise the requested migrations must be the bundled ones; they are applied, the universe
 *    synced, and `afterMigrating` run.
 * @throws MigrationError when the request names migrations this bundle does not have (not a rollback),
 * or when a migration fails (the deployment then fails and rolls back).
 */
export async function answerSchemaMigration(
  request: SchemaMigrationRequest,
  deps: SchemaMigrationDeps,
): Promise<SchemaMigrationResponse> {
  const physicalId = request.RequestType === 'Create' ? SCHEMA_MIGRATION_ID : request.PhysicalResourceId;
  if (request.RequestType === 'Delete') return { PhysicalResourceId: physicalId };

  const requested = request.ResourceProperties.MigrationsHash;
  if (requested !== deps.bundledHash) {
    if (
      request.RequestType === 'Update' &&
      request.OldResourceProperties.MigrationsHash === deps.bundledHash
    ) {
      deps.log.warn('rollback: the stack returns to older migrations; the schema stays as it is', {
        requested: requested?.slice(0, 12),
        bundled: deps.bundledHash.slice(0, 12),
      });
      return {
        PhysicalResourceId: physicalId,
        Data: { applied: 'none', assetsChanged: 0, rollback: 'true' },
      };
    }
    throw new MigrationError(
      `the template asks for migrations ${requested?.slice(0, 12) ?? '(no MigrationsHash)'} but the migrate function was bundled with ${deps.bundledHash.slice(0, 12)}: synthesize and deploy from one checkout`,
    );
  }

  const sql = await deps.database();
  const prepared = await prepareDatabase(sql, { migrationsDir: deps.migrationsDir });
  deps.log.info('database prepared', { ...prepared });
  const extra = deps.afterMigrating ? await deps.afterMigrating(sql) : {};
  return {
    PhysicalResourceId: physicalId,
    Data: {
      applied: prepared.appliedMigrations.join(',') || 'none',
      assetsChanged: prepared.assetsChanged,
      ...extra,
    },
  };
}
