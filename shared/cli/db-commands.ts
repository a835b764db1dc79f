import type { Config } from '#shared/config.ts';
import { migrate, migrationStatus } from '#shared/db/migrations.ts';
import { checkSchemaDrift } from '#shared/db/schema-drift.ts';
import { storageSummary } from '#shared/db/status.ts';
import { withDatabase } from './context.ts';
import { type Output, table } from './output.ts';
import { assertMigrated } from './read-only.ts';

/** `migrate`: applies pending migrations. */
export async function migrateCommand(config: Config, out: Output): Promise<number> {
  return withDatabase(config, async ({ sql, location }) => {
    out.info(`database: ${location}`);
    const applied = await migrate(sql);
    out.result({ applied: applied.map((m) => m.name) }, ({ applied }) =>
      applied.length ? `applied ${applied.length}: ${applied.join(', ')}` : 'database is up to date',
    );
    return 0;
  });
}

/**
 * `db check`: the live schema against the migrations; exit 1 on drift. A database with pending
 * migrations gets one line saying to migrate (diffing a schema that was never built lists every object).
 */
export async function dbCheckCommand(config: Config, out: Output): Promise<number> {
  return withDatabase(config, async ({ sql }) => {
    const pending = (await migrationStatus(sql)).filter((m) => m.state === 'pending').map((m) => m.name);
    const drift = pending.length === 0 ? await checkSchemaDrift(sql) : [];
    const ok = pending.length === 0 && drift.length === 0;
    out.result({ ok, pendingMigrations: pending, drift }, () => {
      if (ok) return 'schema matches the migrations';
      if (pending.length > 0)
        return `${pending.length} migrations pending (first ${pending[0]}): run \`npm run -s cli -- migrate\``;
      return drift
        .map(
          (d) =>
            `${d.problem} ${d.object}${d.expected ? `\n    expected: ${d.expected}` : ''}${d.found ? `\n    found:    ${d.found}` : ''}`,
        )
        .join('\n');
    });
    return ok ? 0 : 1;
  });
}

/** `status`: what is stored, per calendar. Reads only: it neither migrates nor syncs the universe. */
export async function statusCommand(config: Config, out: Output): Promise<number> {
  return withDatabase(config, async ({ sql, location }) => {
    await assertMigrated(sql, 'status');
    const storage = await storageSummary(sql);
    out.result({ database: location, storage }, (s) =>
      [
        `database: ${s.database}`,
        '',
        table([
          ['calendar', 'active assets', 'bars', 'first session', 'last session'],
          ...s.storage.map((r) => [
            r.calendar,
            r.activeAssets,
            r.bars,
            r.firstSession ?? '-',
            r.lastSession ?? '-',
          ]),
        ]),
      ].join('\n'),
    );
    return 0;
  });
}
