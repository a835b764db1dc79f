import { createHash } from 'node:crypto';
import type { StageName } from './config.ts';
import { StageConfigError } from './config.ts';

/**
 * What the stage's database was restored from, named by the `restore:<stage>` context value:
 * - `snapshot:<DB snapshot identifier or ARN>`: a manual or final snapshot, an automated one
 *   (`rds:market-data-prod-2026-11-30-03-10`), or an AWS Backup recovery point's ARN
 *   (`arn:aws:rds:us-east-1:123456789012:snapshot:awsbackup:job-...`);
 * - `pitr:<source instance identifier>@<UTC time, e.g. 2026-11-30T05:00:00Z>` or `pitr:<source>@latest`:
 *   point-in-time from the automated backups of that instance (the stack's current one).
 * The value must stay in the context (cdk.json) for every later deploy: CloudFormation restores only
 * when the value changes, and without it would replace the restored instance with an empty one.
 */
export type RestoreSource =
  | { readonly kind: 'snapshot'; readonly snapshot: string; readonly value: string }
  | {
      readonly kind: 'pitr';
      readonly sourceInstance: string;
      readonly time: string | 'latest';
      readonly value: string;
    };

/** Thrown for a restore context value of neither form; the message shows both. */
export class RestoreSourceError extends StageConfigError {
  override name = 'RestoreSourceError';
}

/** The context key that names the restore source of a stage. */
export const restoreContextKey = (stage: StageName) => `restore:${stage}`;

const INSTANCE_ID = /^[a-z][a-z0-9-]{0,62}$/;
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * The restore source of `stage` from its context value; undefined when there is none.
 * @throws RestoreSourceError when the value is of neither form.
 */
export function parseRestoreSource(stage: StageName, value: unknown): RestoreSource | undefined {
  if (value === undefined || value === '') return undefined;
  const usage =
    `-c ${restoreContextKey(stage)}=snapshot:<snapshot id or ARN> or ` +
    `-c ${restoreContextKey(stage)}=pitr:<source instance>@<YYYY-MM-DDTHH:MM:SSZ|latest>`;
  if (typeof value !== 'string')
    throw new RestoreSourceError(`${restoreContextKey(stage)} must be a string: ${usage}`);
  if (value.startsWith('snapshot:') && value.length > 'snapshot:'.length) {
    return { kind: 'snapshot', snapshot: value.slice('snapshot:'.length), value };
  }
  const pitr = /^pitr:([^@]+)@(.+)$/.exec(value);
  if (pitr?.[1] && pitr[2] && INSTANCE_ID.test(pitr[1]) && (pitr[2] === 'latest' || UTC_TIME.test(pitr[2]))) {
    return { kind: 'pitr', sourceInstance: pitr[1], time: pitr[2], value };
  }
  throw new RestoreSourceError(
    `${restoreContextKey(stage)}=${JSON.stringify(value)} is not a restore source: ${usage}`,
  );
}

/**
 * The instance identifier of the stage's database: `market-data-<stage>`, or with a restore source
 * `market-data-<stage>-r<8 hex of the value>`. CloudFormation cannot replace an instance under the same
 * name, so a restore needs a new one; deriving it from the value keeps it stable on later deploys.
 */
export function databaseInstanceIdentifier(stage: StageName, restore: RestoreSource | undefined): string {
  const base = `market-data-${stage}`;
  if (restore === undefined) return base;
  return `${base}-r${createHash('sha256').update(restore.value).digest('hex').slice(0, 8)}`;
}
