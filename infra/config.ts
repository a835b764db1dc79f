import { z } from 'zod';
import { connectionBudget, INSTANCE_CLASS_MEMORY_GIB, type InstanceClass } from './connection-budget.ts';
import { BACKUP_RETENTION_DAYS } from './constructs/database-backups.ts';

/**
 * Sizing and protection per stage — the one place that says what differs between dev and prod; everything
 * else in infra/ is identical for both — and the account and region to deploy to.
 */
export const stageNameSchema = z.enum(['dev', 'prod'], {
  error: (issue) =>
    `unknown stage ${JSON.stringify(issue.input)}: pass -c stage=dev or -c stage=prod (cdk.json defaults to dev)`,
});
export type StageName = z.infer<typeof stageNameSchema>;

const regionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must look like us-east-1');

const stageConfigSchema = z.object({
  /** One NAT is enough for a daily batch that heals its own gaps (see network-stack.ts). */
  natGateways: z.number().int().min(1).max(2),
  /**
   * 'gateway': the managed NAT gateway (~$33/month + its IPv4). 'instance': a t4g.nano NAT instance
   * (~$3 + its IPv4), patched by replacement on deploy; an outage of it only delays a daily batch.
   */
  nat: z.enum(['gateway', 'instance']),
  database: z.object({
    /** An instance class of connection-budget.ts's table; the instance dominates the bill (docs/DEPLOY.md). */
    instanceType: z.enum(Object.keys(INSTANCE_CLASS_MEMORY_GIB) as [InstanceClass, ...InstanceClass[]], {
      error: (issue) =>
        `instance class ${JSON.stringify(issue.input)} is not in INSTANCE_CLASS_MEMORY_GIB (infra/connection-budget.ts): add it with its memory`,
    }),
    multiAz: z.boolean(),
    allocatedStorageGiB: z.number().int().min(20),
    maxAllocatedStorageGiB: z.number().int().min(20),
    /** RDS automated backups (point-in-time restore window). */
    backupRetentionDays: z.number().int().min(7).max(35),
    deletionProtection: z.boolean(),
    /** 'snapshot' keeps a final snapshot when the stack or instance is deleted. */
    removal: z.enum(['destroy', 'snapshot']),
    /** Performance Insights (7 days of history is free); not offered on micro/small classes. */
    performanceInsights: z.boolean(),
  }),
  backup: z.object({
    /**
     * Copy every recovery point to a vault in this region (a BackupCopy stack there holds it). That
     * region must be bootstrapped too (docs/DEPLOY.md). Unset: no copy.
     */
    copyToRegion: regionSchema.optional(),
    /**
     * AWS Backup Vault Lock on the stage's vaults: no one can delete a recovery point before
     * minRetentionDays or keep one past maxRetentionDays. With changeableForDays (3 or more) the lock
     * becomes immutable (compliance mode) that many days after it is set; without, it is governance
     * mode, which an IAM principal allowed backup:DeleteBackupVaultLockConfiguration can lift.
     */
    vaultLock: z
      .object({
        minRetentionDays: z.number().int().min(1),
        maxRetentionDays: z.number().int().max(36500),
        changeableForDays: z.number().int().min(3).optional(),
      })
      .optional(),
  }),
  /** CloudWatch Logs retention for functions, VPC flow logs and PostgreSQL logs. */
  logRetentionDays: z.union([z.literal(14), z.literal(30), z.literal(90), z.literal(365)]),
  /** Whether logs, keys and secrets outlive the stack (dev tears down cleanly, prod keeps evidence). */
  retainOnDelete: z.boolean(),
  /**
   * Encrypt the alarm topic with a customer KMS key ($1/month). CloudWatch cannot publish to a topic
   * under the AWS-managed SNS key, so it is this key or none; a notification carries alarm names,
   * descriptions and metric values, never data or secrets (docs/DEPLOY.md, "What it costs").
   */
  alarmTopicKey: z.boolean(),
  ingest: z.object({
    /** SQS event source MaximumConcurrency (2..1000); the arithmetic is in pipeline-stack.ts. */
    maxConcurrency: z.number().int().min(2).max(1000),
    /**
     * Reserved concurrency for ingest, equal to maxConcurrency so manual invokes cannot add DB
     * connections either. Unset in dev: new accounts have a concurrency quota of 10 and Lambda refuses
     * any reservation that leaves fewer than 10 unreserved.
     */
    reservedConcurrency: z.number().int().min(2).optional(),
  }),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
  /** Whether the freshness check enqueues a repair job for the missing range. */
  autoRepair: z.boolean(),
  /** Largest backfill range the backfill function accepts, in days. */
  maxBackfillDays: z.number().int().positive(),
  /**
   * Optional second alert channel: this address is subscribed to the alarm topic (SNS sends a
   * confirmation mail first). Set it here or with -c alertEmail=ops@example.com.
   */
  alertEmail: z
    .email({ error: 'alertEmail must be an e-mail address, e.g. -c alertEmail=ops@example.com' })
    .optional(),
  /**
   * Slack on top of the longest a task message waits by design (SQS's 15-minute maximum delay: later
   * stagger slots and rate-limit waits are re-sent as new messages) before the ingest queue's oldest
   * message alarms; covers retries' backoff and a busy consumer.
   */
  ingestQueueAgeMarginMinutes: z.number().int().min(5).max(720),
  /**
   * The User-Agent the ingest function sends to Yahoo (YAHOO_USER_AGENT), e.g. one naming your team
   * and a contact; unset: the provider's default. Set it here or with -c yahooUserAgent="...".
   */
  yahooUserAgent: z
    .string()
    .regex(/^[\x20-\x7E]{1,300}$/, {
      error:
        'yahooUserAgent must be 1-300 printable ASCII characters, e.g. -c yahooUserAgent="acme-quant/1.0"',
    })
    .optional(),
});
export type StageConfig = z.infer<typeof stageConfigSchema> & { readonly stage: StageName };

/** A stage's configuration before validation: the shape of each entry of the table below. */
export type StageConfigInput = z.input<typeof stageConfigSchema>;

const stages: Record<StageName, StageConfigInput> = {
  dev: {
    natGateways: 1,
    nat: 'instance',
    database: {
      instanceType: 't4g.micro',
      multiAz: false,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 50,
      backupRetentionDays: 7,
      deletionProtection: false,
      removal: 'destroy',
      performanceInsights: false,
    },
    backup: {},
    logRetentionDays: 14,
    retainOnDelete: false,
    alarmTopicKey: false,
    ingest: { maxConcurrency: 2 },
    logLevel: 'DEBUG',
    autoRepair: false,
    maxBackfillDays: 3660,
    ingestQueueAgeMarginMinutes: 45,
  },
  prod: {
    natGateways: 1,
    nat: 'gateway',
    database: {
      instanceType: 't4g.medium',
      multiAz: true,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 200,
      backupRetentionDays: 14,
      deletionProtection: true,
      removal: 'snapshot',
      performanceInsights: true,
    },
    backup: {
      copyToRegion: 'us-west-2',
      // Governance mode: deleting a recovery point early needs a deliberate IAM permission; no
      // changeableForDays, so no one is locked in for good by a config typo.
      vaultLock: { minRetentionDays: BACKUP_RETENTION_DAYS.daily, maxRetentionDays: 400 },
    },
    logRetentionDays: 90,
    retainOnDelete: true,
    alarmTopicKey: true,
    ingest: { maxConcurrency: 5, reservedConcurrency: 5 },
    logLevel: 'INFO',
    autoRepair: true,
    maxBackfillDays: 3660,
    ingestQueueAgeMarginMinutes: 45,
  },
};

/** Thrown when the stage or its configuration is invalid; the message says what to pass instead. */
export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

/** A copy of the configuration table's entry for a stage, to vary in tests. */
export function stageConfigInput(stage: StageName): StageConfigInput {
  return structuredClone(stages[stage]);
}

/** Settings a deployer may give as context values (-c key=value), over the stage's own. */
export interface StageContext {
  alertEmail?: unknown;
  yahooUserAgent?: unknown;
}

function definedOnly(context: StageContext): StageContext {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
}

/**
 * The configuration of the stage named by the `stage` context value (or `input` in its place), with
 * `context` over it.
 * @throws StageConfigError for an unknown stage or a configuration that breaks an invariant, such as
 * more peak database connections than the instance class allows the pipeline.
 */
export function loadStageConfig(
  stage: unknown,
  input?: StageConfigInput,
  context: StageContext = {},
): StageConfig {
  const name = stageNameSchema.safeParse(stage);
  if (!name.success) throw new StageConfigError(name.error.issues[0]?.message ?? 'invalid stage');
  const config = stageConfigSchema.safeParse({ ...(input ?? stages[name.data]), ...definedOnly(context) });
  if (!config.success) {
    const issue = config.error.issues[0];
    throw new StageConfigError(`stage ${name.data}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { database } = config.data;
  if (database.maxAllocatedStorageGiB < database.allocatedStorageGiB) {
    throw new StageConfigError(`stage ${name.data}: maxAllocatedStorageGiB is below allocatedStorageGiB`);
  }
  checkConnectionBudget(name.data, config.data);
  checkVaultLock(name.data, config.data.backup.vaultLock);
  return { ...config.data, stage: name.data };
}

function checkConnectionBudget(stage: StageName, config: z.infer<typeof stageConfigSchema>): void {
  const { instanceType } = config.database;
  const ingestConcurrency = config.ingest.reservedConcurrency ?? config.ingest.maxConcurrency;
  const budget = connectionBudget({ instanceClass: instanceType, ingestConcurrency });
  if (budget.peak > budget.allowed) {
    throw new StageConfigError(
      `stage ${stage}: the pipeline may open ${budget.peak} database connections but db.${instanceType} ` +
        `allows it ${budget.allowed} (half of ~${budget.maxConnections}, infra/connection-budget.ts): lower ` +
        `ingest.maxConcurrency/reservedConcurrency to at most ${Math.max(budget.maxIngestConcurrency, 0)} ` +
        'or choose a larger database.instanceType',
    );
  }
}

function checkVaultLock(
  stage: StageName,
  lock: z.infer<typeof stageConfigSchema>['backup']['vaultLock'],
): void {
  if (lock === undefined) return;
  const { daily, monthly } = BACKUP_RETENTION_DAYS;
  if (lock.minRetentionDays > daily || lock.maxRetentionDays < monthly) {
    throw new StageConfigError(
      `stage ${stage}: backup.vaultLock must admit the plan's retentions (${daily} and ${monthly} days): ` +
        `set minRetentionDays to at most ${daily} and maxRetentionDays to at least ${monthly}`,
    );
  }
}

/** Used when neither -c account=... nor CDK_DEFAULT_ACCOUNT is set, so `cdk synth` works offline. */
export const PLACEHOLDER_ACCOUNT = '111111111111';
export const DEFAULT_REGION = 'us-east-1';

const environmentSchema = z.object({
  account: z.string().regex(/^\d{12}$/, 'account must be 12 digits, e.g. -c account=123456789012'),
  region: regionSchema,
});

/**
 * The account and region to deploy to: `-c account=... -c region=...`, else the CLI's current credentials
 * (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION), else a placeholder that only synthesizes.
 * @throws StageConfigError when a given account or region is malformed.
 */
export function deploymentEnvironment(
  context: (key: string) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): { account: string; region: string } {
  const parsed = environmentSchema.safeParse({
    account: context('account') ?? env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT,
    region: context('region') ?? env.CDK_DEFAULT_REGION ?? DEFAULT_REGION,
  });
  if (!parsed.success) throw new StageConfigError(parsed.error.issues[0]?.message ?? 'invalid environment');
  return parsed.data;
}
