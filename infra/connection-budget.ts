/**
 * How many PostgreSQL connections the pipeline can open at its peak, against what the database instance
 * class allows. Checked by loadStageConfig, so a stage that could exhaust max_connections fails at synth.
 */
import { LAMBDA_POOL_SIZE } from '#shared/aws/lambda-pool.ts';

/**
 * Nominal memory (GiB) of each instance class the config admits. RDS's default for PostgreSQL is
 * max_connections = LEAST({DBInstanceClassMemory/9531392}, 5000), where DBInstanceClassMemory is the
 * class's memory less what RDS keeps for the OS and its agents.
 */
export const INSTANCE_CLASS_MEMORY_GIB = {
  't4g.micro': 1,
  't4g.small': 2,
  't4g.medium': 4,
  't4g.large': 8,
  't4g.xlarge': 16,
  'm7g.large': 8,
  'm7g.xlarge': 16,
  'r7g.large': 16,
  'r7g.xlarge': 32,
} as const;
export type InstanceClass = keyof typeof INSTANCE_CLASS_MEMORY_GIB;

/**
 * The share of the nominal memory that DBInstanceClassMemory leaves: 0.75 gives 84 for a t4g.micro, in
 * the 80-90 that a db.t4g.micro reports (SHOW max_connections); an estimate on the safe side.
 */
const CLASS_MEMORY_AVAILABLE = 0.75;

export { LAMBDA_POOL_SIZE };

/** The dlq event source mapping's MaximumConcurrency (pipeline-stack.ts): dead letters are a trickle. */
export const DLQ_MAX_CONCURRENCY = 2;

/**
 * The share of max_connections the pipeline may plan for. Half: during a deploy the old and the new
 * version of a function can both be warm, each environment holding its pool until it idles out, and
 * RDS keeps some slots for superusers (superuser_reserved_connections, rds.rds_superuser_reserved_connections).
 */
export const PIPELINE_CONNECTION_SHARE = 0.5;

/**
 * Connections outside the functions' concurrency: the migrate custom resource and the reaper (one
 * environment each), the rotation function (one), and analysts, psql and the CLI in remote mode.
 */
export const CONNECTION_HEADROOM = {
  migrate: LAMBDA_POOL_SIZE,
  reaper: LAMBDA_POOL_SIZE,
  rotation: 1,
  analysts: 10,
};

/** max_connections of an instance class by RDS's default formula, from its memory (estimate above). */
export function maxConnectionsOf(instanceClass: InstanceClass): number {
  const bytes = INSTANCE_CLASS_MEMORY_GIB[instanceClass] * 1024 ** 3 * CLASS_MEMORY_AVAILABLE;
  return Math.min(Math.floor(bytes / 9531392), 5000);
}

export interface ConnectionBudgetInput {
  readonly instanceClass: InstanceClass;
  /** Ingest's reserved concurrency if set, else its event source MaximumConcurrency. */
  readonly ingestConcurrency: number;
}

export interface ConnectionBudget {
  /** Peak connections: each function's concurrency x pool, plus the headroom. */
  readonly peak: number;
  /** PIPELINE_CONNECTION_SHARE of the class's max_connections. */
  readonly allowed: number;
  readonly maxConnections: number;
  /** The highest ingest concurrency that fits the allowance. */
  readonly maxIngestConcurrency: number;
}

/**
 * The pipeline's peak connections and what the instance class allows. Ingest scales with the queue up to
 * its concurrency; dlq up to its mapping's maximum; collect, backfill and freshness run one environment
 * each (a schedule or a person starts them, one at a time).
 */
export function connectionBudget(input: ConnectionBudgetInput): ConnectionBudget {
  const concurrency = {
    ingest: input.ingestConcurrency,
    dlq: DLQ_MAX_CONCURRENCY,
    collect: 1,
    backfill: 1,
    freshness: 1,
  };
  const others = Object.entries(concurrency)
    .filter(([name]) => name !== 'ingest')
    .reduce((sum, [, n]) => sum + n * LAMBDA_POOL_SIZE, 0);
  const headroom = Object.values(CONNECTION_HEADROOM).reduce((sum, n) => sum + n, 0);
  const maxConnections = maxConnectionsOf(input.instanceClass);
  const allowed = Math.floor(maxConnections * PIPELINE_CONNECTION_SHARE);
  return {
    peak: input.ingestConcurrency * LAMBDA_POOL_SIZE + others + headroom,
    allowed,
    maxConnections,
    maxIngestConcurrency: Math.floor((allowed - others - headroom) / LAMBDA_POOL_SIZE),
  };
}
