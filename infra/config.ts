import { z } from 'zod';

/**
 * Sizing and protection per stage — the one place that says what differs between dev and prod; everything
 * else in infra/ is identical for both — and the account and region to deploy to.
 */
export const stageNameSchema = z.enum(['dev', 'prod'], {
  error: (issue) =>
    `unknown stage ${JSON.stringify(issue.input)}: pass -c stage=dev or -c stage=prod (cdk.json defaults to dev)`,
});
export type StageName = z.infer<typeof stageNameSchema>;

const stageConfigSchema = z.object({
  /** One NAT gateway is enough for a daily batch that heals its own gaps (see network-stack.ts). */
  natGateways: z.number().int().min(1).max(2),
  database: z.object({
    /** A Graviton burstable class, e.g. t4g.micro; the instance dominates the bill (docs/DEPLOY.md). */
    instanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/),
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
  /** CloudWatch Logs retention for functions, VPC flow logs and PostgreSQL logs. */
  logRetentionDays: z.union([z.literal(14), z.literal(30), z.literal(90), z.literal(365)]),
  /** Whether logs, keys and secrets outlive the stack (dev tears down cleanly, prod keeps evidence). */
  retainOnDelete: z.boolean(),
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
});
export type StageConfig = z.infer<typeof stageConfigSchema> & { readonly stage: StageName };

const stages: Record<StageName, z.input<typeof stageConfigSchema>> = {
  dev: {
    natGateways: 1,
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
    logRetentionDays: 14,
    retainOnDelete: false,
    ingest: { maxConcurrency: 2 },
    logLevel: 'DEBUG',
    autoRepair: false,
    maxBackfillDays: 3660,
    ingestQueueAgeMarginMinutes: 45,
  },
  prod: {
    natGateways: 1,
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
    logRetentionDays: 90,
    retainOnDelete: true,
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

/** Settings a deployer may give as context values (-c key=value), over the stage's own. */
export interface StageContext {
  alertEmail?: unknown;
}

function definedOnly(context: StageContext): StageContext {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
}

/**
 * The configuration of the stage named by the `stage` context value, with `context` over it.
 * @throws StageConfigError for an unknown stage or a configuration that breaks an invariant.
 */
export function loadStageConfig(stage: unknown, context: StageContext = {}): StageConfig {
  const name = stageNameSchema.safeParse(stage);
  if (!name.success) throw new StageConfigError(name.error.issues[0]?.message ?? 'invalid stage');
  const config = stageConfigSchema.safeParse({ ...stages[name.data], ...definedOnly(context) });
  if (!config.success) {
    const issue = config.error.issues[0];
    throw new StageConfigError(`stage ${name.data}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { database } = config.data;
  if (database.maxAllocatedStorageGiB < database.allocatedStorageGiB) {
    throw new StageConfigError(`stage ${name.data}: maxAllocatedStorageGiB is below allocatedStorageGiB`);
  }
  return { ...config.data, stage: name.data };
}

/** Used when neither -c account=... nor CDK_DEFAULT_ACCOUNT is set, so `cdk synth` works offline. */
export const PLACEHOLDER_ACCOUNT = '111111111111';
export const DEFAULT_REGION = 'us-east-1';

const environmentSchema = z.object({
  account: z.string().regex(/^\d{12}$/, 'account must be 12 digits, e.g. -c account=123456789012'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'region must look like us-east-1'),
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
