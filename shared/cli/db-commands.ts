import type { Config } from '#shared/config.ts';
import { migrate, migrationStatus } from '#shared/db/migrations.ts';
import { checkSchemaDrift } from '#shared/db/schema-drift.ts';
import { storageSummary } from '#shared/db/status.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { withDatabase } from './context.ts';
import { type Output, table } from './output.ts';

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

/** `db check`: the live schema against the migrations; exit 1 on drift. */
export async function dbCheckCommand(config: Config, out: Output): Promise<number> {
  return withDatabase(config, async ({ sql }) => {
    const pending = (await migrationStatus(sql)).filter((m) => m.state === 'pending').map((m) => m.name);
    const drift = await checkSchemaDrift(sql);
    const ok = pending.length === 0 && drift.length === 0;
    out.result({ ok, pendingMigrations: pending, drift }, () => {
      if (ok) return 'schema matches the migrations';
      const lines = pending.map((p) => `pending migration ${p} (run: npm run cli -- migrate)`);
      for (const d of drift) {
        lines.push(
          `${d.problem} ${d.object}${d.expected ? `\n    expected: ${d.expected}` : ''}${d.found ? `\n    found:    ${d.found}` : ''}`,
        );
      }
      return lines.join('\n');
    });
    return ok ? 0 : 1;
  });
}

/** `status` (and, until the pipeline lands, `start`): migrate, sync the universe, summarise storage. */
export async function statusCommand(config: Config, out: Output): Promise<number> {
  return withDatabase(config, async ({ sql, location }) => {
    const prepared = await prepareDatabase(sql);
    const storage = await storageSummary(sql);
    out.result({ database: location, ...prepared, storage }, (s) =>
      [
        `database: ${s.database}`,
        `migrations applied now: ${s.appliedMigrations.length ? s.appliedMigrations.join(', ') : 'none (up to date)'}`,
        `assets changed by universe sync: ${s.assetsChanged}`,
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
