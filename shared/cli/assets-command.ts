import type { Config } from '#shared/config.ts';
import { migrate } from '#shared/db/migrations.ts';
import { loadUniverse } from '#shared/universe/universe.ts';
import { syncUniverse, type UniverseDiff } from '#shared/usecases/sync-universe.ts';
import { withDatabase } from './context.ts';
import type { Output } from './output.ts';
import { assertMigrated } from './read-only.ts';

/**
 * `assets sync [--dry-run]`: makes the assets table match the universe file (UNIVERSE_FILE, default
 * shared/universe/universe.json) and prints what changed; with --dry-run only what would change.
 * The only command besides start and backfill that writes assets.
 */
export async function assetsSyncCommand(
  config: Config,
  out: Output,
  flags: { dryRun: boolean },
): Promise<number> {
  const universe = await loadUniverse(config.UNIVERSE_FILE);
  return withDatabase(config, async ({ sql }) => {
    if (flags.dryRun) await assertMigrated(sql, 'assets sync');
    else await migrate(sql);
    const diff = await syncUniverse(sql, universe, { dryRun: flags.dryRun });
    out.result(diff, describeDiff);
    return 0;
  });
}

function describeDiff(diff: UniverseDiff & { dryRun: boolean }): string {
  const lines = [
    ...diff.added.map((s) => `added        ${s}`),
    ...diff.renamed.map((r) => `renamed      ${r.from} -> ${r.to}`),
    ...diff.changed.map((c) => `changed      ${c.symbol} (${c.fields.join(', ')})`),
    ...diff.deactivated.map((s) => `deactivated  ${s}`),
  ];
  const verb = diff.dryRun ? 'would change' : 'changed';
  const summary = `${lines.length ? `${verb}: ${diff.added.length} added, ${diff.renamed.length} renamed, ${diff.changed.length} changed, ${diff.deactivated.length} deactivated` : 'assets match the universe'}${diff.dryRun ? ' (dry run: nothing was written)' : ''}`;
  return [...lines, summary].join('\n');
}
