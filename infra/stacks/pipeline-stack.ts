import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { DLQ_MAX_CONCURRENCY } from '../connection-budget.ts';
import { FailedInvocations } from '../constructs/failed-invocations.ts';
import { MarketSchedules } from '../constructs/market-schedules.ts';
import { PipelineFunction } from '../constructs/pipeline-function.ts';
import { SchemaMigration } from '../constructs/schema-migration.ts';
import { migrationsDir } from '../paths.ts';
import { DATABASE_PORT } from './data-stack.ts';

export interface PipelineStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly database: IDatabaseInstance;
  /** A literal (DataStack.instanceIdentifier): it changes when the database is restored. */
  readonly databaseInstanceId: string;
  readonly databaseSecret: ISecret;
  /** The analyst login's secret: the migrate function creates that login from it. */
  readonly analystSecret: ISecret;
  readonly discordWebhook: ISecret;
}

/** The longest an ingest invocation may run: a batch of 10 tasks, each fetched, validated and upserted. */
const INGEST_TIMEOUT = Duration.minutes(2);

/** Event source `source` of everything the pipeline publishes (JobFinished, MarketSessionComplete). */
export const EVENT_SOURCE = 'market-data';

/**
 * The pipeline: schedules -> collect/backfill -> ingest queue -> ingest -> database, the DLQ and its
 * function, the freshness check, the event bus, and the schema migration that runs before all of them.
 */
export class PipelineStack extends Stack {
  readonly functions: Record<
    'collect' | 'backfill' | 'ingest' | 'dlq' | 'freshness' | 'reaper',
    PipelineFunction
  >;
  readonly ingestQueue: sqs.Queue;
  readonly ingestDlq: sqs.Queue;
  readonly schedulerDlq: sqs.Queue;
  /** Asynchronous collect, backfill, freshness and reaper invocations that failed three times. */
  readonly failedInvocations: sqs.Queue;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, vpc, database, databaseSecret, discordWebhook } = props;

    const securityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc,
      description: 'market-data functions: PostgreSQL in the VPC, providers and AWS APIs through the NAT',
      allowAllOutbound: false,
    });
    // HTTPS is all they send out: Yahoo, Upbit, Discord and the AWS APIs. DNS goes to the VPC resolver,
    // which security groups do not filter.
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to the providers and AWS APIs');
    // Declared in this stack (remoteRule) so the data stack never refers back to the pipeline.
    for (const databaseSecurityGroup of database.connections.securityGroups) {
      securityGroup.addEgressRule(databaseSecurityGroup, ec2.Port.tcp(DATABASE_PORT), 'PostgreSQL');
      databaseSecurityGroup.addIngressRule(
        securityGroup,
        ec2.Port.tcp(DATABASE_PORT),
        'pipeline functions to PostgreSQL',
        true,
      );
    }
    const network = { vpc, securityGroup };

    const dlqTimeout = Duration.minutes(1);
    this.ingestDlq = this.queue('IngestDlq', {
      // Longer than the ingest queue's 4 days, so a dead letter outlives the message it came from.
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(dlqTimeout.toSeconds() * 6),
    });
    this.ingestQueue = this.queue('IngestQueue', {
      // AWS's rule for Lambda consumers: at least 6x the function timeout, so a message is not redelivered
      // while a throttled or retried invocation still holds it.
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      // Five receives, one more than ingest's own limit of 4 attempts (shared/usecases/deps.ts): ingest
      // records ordinary failures itself, so only crashes, timeouts and poison messages dead-letter. Waits
      // (not yet due, rate limits) re-send the message, so they use up no receive; rate limits are bounded
      // by a time budget on the task instead (PipelineSettings.rateLimitBudgetMinutes).
      deadLetterQueue: { queue: this.ingestDlq, maxReceiveCount: 5 },
    });
    this.schedulerDlq = this.queue('SchedulerDlq', { retentionPeriod: Duration.days(14) });
    Validations.of(this.schedulerDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is a dead-letter queue itself: EventBridge Scheduler's, set on each schedule target " +
        '(which cdk-nag does not follow); it is alarmed on and drained by hand.',
    });

    const bus = new events.EventBus(this, 'EventBus', { eventBusName: `market-data-${config.stage}` });
    // Replays let a downstream consumer that missed JobFinished or MarketSessionComplete catch up.
    bus.archive('Archive', {
      description: 'Everything the pipeline published in the last 30 days',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(30),
    });

    const migrate = new PipelineFunction(this, 'MigrateFunction', {
      handler: 'migrate',
      config,
      description: 'Applies migrations/ under an advisory lock (CloudFormation custom resource)',
      timeout: Duration.minutes(5),
      network,
      bundleMigrations: true,
    }).usesDatabase(databaseSecret);
    props.analystSecret.grantRead(migrate);
    migrate.addEnvironment('ANALYST_SECRET_ARN', props.analystSecret.secretArn);
    const migration = new SchemaMigration(this, 'SchemaMigration', {
      handler: migrate,
      config,
      migrationsDir,
      databaseInstanceId: props.databaseInstanceId,
      analystSecretArn: props.analystSecret.secretArn,
    });
    // The functions' group and its rules, the ingress to PostgreSQL among them: without the rule the
    // migration's connection would time out on a first deploy, where nothing else orders the two.
    migration.resource.node.addDependency(securityGroup);

    // Collect and backfill read the Discord secret too: a task the queue rejects twice is failed on the
    // spot, and if that ends the job, its failure is alerted.
    const collect = new PipelineFunction(this, 'CollectFunction', {
      handler: 'collect',
      config,
      description: 'Plans the last sessions of one market for every active asset and fans out the tasks',
      timeout: Duration.minutes(2),
      network,
    })
      .usesDatabase(databaseSecret)
      .usesIngestQueue(this.ingestQueue)
      .usesEventBus(bus)
      .usesDiscord(discordWebhook);
    const backfill = new PipelineFunction(this, 'BackfillFunction', {
      handler: 'backfill',
      config,
      description: 'Validates a backfill request, plans it in chunks and fans out the tasks',
      timeout: Duration.minutes(5),
      network,
      environment: { MAX_BACKFILL_DAYS: String(config.maxBackfillDays) },
    })
      .usesDatabase(databaseSecret)
      .usesIngestQueue(this.ingestQueue)
      .usesEventBus(bus)
      .usesDiscord(discordWebhook);
    const ingest = new PipelineFunction(this, 'IngestFunction', {
      handler: 'ingest',
      config,
      description: 'Fetches, validates and upserts one task per message (partial batch response)',
      timeout: INGEST_TIMEOUT,
      memorySize: 512,
      network,
      reservedConcurrentExecutions: config.ingest.reservedConcurrency,
    })
      .usesDatabase(databaseSecret)
      .usesEventBus(bus)
      .usesDiscord(discordWebhook);
    // Ingest waits (a task not due yet, a rate limit) by re-sending the task's message with a delay and
    // acknowledging the original, so a wait uses up no receive; it postpones a transient failure by
    // changing the message's visibility, which does count one.
    this.ingestQueue.grantSendMessages(ingest);
    this.ingestQueue.grant(ingest, 'sqs:ChangeMessageVisibility');
    ingest.addEnvironment('INGEST_QUEUE_URL', this.ingestQueue.queueUrl);
    if (config.yahooUserAgent) ingest.addEnvironment('YAHOO_USER_AGENT', config.yahooUserAgent);
    const dlq = new PipelineFunction(this, 'DlqFunction', {
      handler: 'dlq',
      config,
      description: 'Marks the task of a dead-lettered message failed so its job can finish',
      timeout: dlqTimeout,
      network,
    })
      .usesDatabase(databaseSecret)
      .usesEventBus(bus)
      .usesDiscord(discordWebhook);
    const freshness = new PipelineFunction(this, 'FreshnessFunction', {
      handler: 'freshness',
      config,
      description: 'Compares the latest stored session of each asset with its calendar; alerts and repairs',
      timeout: Duration.minutes(2),
      network,
      environment: { AUTO_REPAIR: String(config.autoRepair) },
    })
      .usesDatabase(databaseSecret)
      .usesIngestQueue(this.ingestQueue)
      .usesEventBus(bus)
      .usesDiscord(discordWebhook);
    // The safety net for work that never ends: tasks whose worker died or whose message was never sent.
    const reaper = new PipelineFunction(this, 'ReaperFunction', {
      handler: 'reaper',
      config,
      description: 'Fails tasks pending or running past their deadline so their jobs end and alert',
      timeout: Duration.minutes(1),
      network,
    })
      .usesDatabase(databaseSecret)
      .usesEventBus(bus)
      .usesDiscord(discordWebhook);
    this.functions = { collect, backfill, ingest, dlq, freshness, reaper };
    // A restore gives the database a new identifier: this updates every function, so no warm environment
    // keeps a connection to the instance it replaced, and re-runs the migration on the restored one.
    for (const fn of [migrate, collect, backfill, ingest, dlq, freshness, reaper]) {
      fn.addEnvironment('DB_INSTANCE_ID', props.databaseInstanceId);
    }
    // The scheduler's DLQ only catches invocations it could not deliver; one that ran and threw three
    // times would otherwise vanish. Ingest and dlq are fed by event source mappings, not async invokes.
    this.failedInvocations = new FailedInvocations(this, 'FailedInvocations', {
      functions: [collect, backfill, freshness, reaper],
      purpose: 'collect, backfill, freshness and reaper invocations that failed three times',
      maxEventAge: Duration.hours(6),
    }).queue;

    const ingestMapping = new EventSourceMapping(this, 'IngestFromQueue', {
      target: ingest,
      eventSourceArn: this.ingestQueue.queueArn,
      batchSize: 10,
      reportBatchItemFailures: true,
      // MaximumConcurrency 5 in prod, 2 in dev (infra/config.ts), from both limits:
      // - Database: each function environment holds up to 2 connections (the Lambda pool size in
      //   shared/aws/lambda-pool.ts), so ingest takes at most 5 x 2 = 10; with the dlq mapping (2 x 2),
      //   collect, backfill, freshness and migrate (2 each) and rotation (1), the pipeline peaks at ~23 of
      //   the ~80 connections of a db.t4g.micro (max_connections = memory / 9531392) and ~400 of a
      //   t4g.medium, leaving room for the CLI and psql.
      // - Providers: the fan-out staggers tasks to Yahoo 2/s + Upbit 8/s = 10/s. A task takes ~0.3-0.5 s
      //   (one request and one upsert), so keeping up needs 10/s x 0.5 s = 5 environments; more would only
      //   wait on the rate budget, which each environment keeps for itself, so every extra environment
      //   could add 2 Yahoo requests/s when a backlog is released at once (watch TasksRateLimited).
      maxConcurrency: config.ingest.maxConcurrency,
    });
    this.ingestQueue.grantConsumeMessages(ingest);
    const dlqMapping = new EventSourceMapping(this, 'DlqFromQueue', {
      target: dlq,
      eventSourceArn: this.ingestDlq.queueArn,
      batchSize: 10,
      reportBatchItemFailures: true,
      // The minimum: dead letters are a trickle, and each holds a database connection.
      maxConcurrency: DLQ_MAX_CONCURRENCY,
    });
    this.ingestDlq.grantConsumeMessages(dlq);

    const schedules = new MarketSchedules(this, 'Schedules', {
      stage: config.stage,
      collect,
      freshness,
      reaper,
      deadLetterQueue: this.schedulerDlq,
    });

    // Nothing may run against an unmigrated schema: the schedules and queue consumers are created (and,
    // on later deploys, the new function code is rolled out) only after the migration has succeeded.
    for (const consumer of [
      collect,
      backfill,
      ingest,
      dlq,
      freshness,
      reaper,
      ingestMapping,
      dlqMapping,
      schedules,
    ]) {
      consumer.node.addDependency(migration.resource);
    }

    new CfnOutput(this, 'BackfillFunctionName', { value: backfill.functionName });
    new CfnOutput(this, 'IngestQueueUrl', { value: this.ingestQueue.queueUrl });
    new CfnOutput(this, 'IngestDlqUrl', { value: this.ingestDlq.queueUrl });
    new CfnOutput(this, 'IngestDlqArn', { value: this.ingestDlq.queueArn });
    new CfnOutput(this, 'SchedulerDlqUrl', { value: this.schedulerDlq.queueUrl });
    new CfnOutput(this, 'FailedInvocationsUrl', { value: this.failedInvocations.queueUrl });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'FunctionSecurityGroupId', { value: securityGroup.securityGroupId });
  }

  /** An SQS queue encrypted at rest (SQS-managed keys) that refuses plain-HTTP requests. */
  private queue(id: string, props: sqs.QueueProps): sqs.Queue {
    return new sqs.Queue(this, id, {
      ...props,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
  }
}
