import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { FinalJobStatus } from '#shared/domain/job.ts';
import type { ProviderName } from '#shared/providers/types.ts';
import { MAX_QUEUE_DELAY_SECONDS } from '#shared/queue/stagger.ts';
import type { RecordFailureReason } from '#shared/usecases/consume-outcome.ts';
import type { StageConfig } from '../config.ts';
import { FailedInvocations } from '../constructs/failed-invocations.ts';
import { PipelineFunction } from '../constructs/pipeline-function.ts';
import {
  JOB_STATUS_LABELS,
  PipelineMetrics,
  PROVIDER_LABELS,
  RECORD_FAILURE_LABELS,
  serviceName,
} from '../constructs/pipeline-metrics.ts';

export interface ObservabilityStackProps extends StackProps {
  readonly config: StageConfig;
  readonly functions: Record<
    'collect' | 'backfill' | 'ingest' | 'dlq' | 'freshness' | 'reaper',
    PipelineFunction
  >;
  readonly ingestQueue: IQueue;
  readonly ingestDlq: IQueue;
  readonly schedulerDlq: IQueue;
  /** The pipeline's on-failure destination for collect, backfill, freshness and the reaper. */
  readonly failedInvocations: IQueue;
  readonly database: IDatabaseInstance;
  readonly discordWebhook: ISecret;
}

const GIB = 1024 ** 3;

/** The dashboard, the alarms, and the notifier that turns an alarm into a Discord message. */
export class ObservabilityStack extends Stack {
  private readonly alarmAction: SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config, functions, database } = props;
    const prefix = `market-data-${config.stage}`;

    const topic = this.alarmTopic(config, prefix);
    this.alarmAction = new SnsAction(topic);
    // Outside the VPC: it needs only Secrets Manager and Discord, and must work when the NAT does not.
    const notifier = new PipelineFunction(this, 'NotifierFunction', {
      handler: 'notifier',
      config,
      description: 'Posts CloudWatch alarm notifications from SNS to Discord',
      timeout: Duration.seconds(30),
    }).usesDiscord(props.discordWebhook);
    // A notification Discord refuses makes the notifier throw: Lambda retries it twice and then parks
    // the invocation here (SNS invokes asynchronously, so an SNS subscription DLQ alone would only see
    // invocations Lambda refused, e.g. throttled; it points at the same queue for those).
    const parkedAlerts = new FailedInvocations(this, 'ParkedAlerts', {
      functions: [notifier],
      purpose: 'alarm notifications the notifier could not post to Discord',
      maxEventAge: Duration.hours(6),
    }).queue;
    topic.addSubscription(new LambdaSubscription(notifier, { deadLetterQueue: parkedAlerts }));
    // The second channel: an alarm about Discord itself reaches someone.
    if (config.alertEmail) topic.addSubscription(new EmailSubscription(config.alertEmail));

    const metrics = new PipelineMetrics(serviceName(config.stage));
    this.addDashboard(prefix, metrics, props, parkedAlerts);

    this.alarm('IngestDlqNotEmpty', {
      // The dlq function drains the DLQ within seconds; messages still visible after 15 minutes mean it
      // is failing and tasks are stuck as running.
      metric: props.ingestDlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 3,
      description: 'Dead-lettered tasks are not being marked failed: check the dlq function logs',
    });
    this.alarm('SchedulerDlqNotEmpty', {
      metric: props.schedulerDlq.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'A scheduled collect or freshness run could not be delivered: run it by hand',
    });
    for (const [name, fn] of Object.entries(functions)) {
      if (name === 'backfill') continue; // invoked by a person, who sees the error in the response
      this.alarm(`${name[0]?.toUpperCase()}${name.slice(1)}Errors`, {
        metric: fn.metricErrors({ statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        description: `The ${name} function failed (an unhandled error, timeout or crash): check its logs`,
      });
    }
    this.alarm('AlertsParked', {
      metric: parkedAlerts.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'Alarm notifications could not be posted to Discord (parked after 3 tries): read the ParkedAlerts queue, check the webhook',
    });
    this.alarm('DiscordWebhookUnset', {
      metric: metrics.discordWebhookUnset(),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'An alarm fired while the Discord webhook secret still holds its placeholder: put the webhook URL (docs/DEPLOY.md)',
    });
    this.alarm('InvocationsFailed', {
      metric: props.failedInvocations.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'A collect, backfill, freshness or reaper run failed 3 times and was parked: read the FailedInvocations queue, rerun it',
    });
    // A task message waits at most SQS's maximum delay by design (later slots are re-sent), so an older
    // one means ingest is not consuming: stopped, throttled, or failing every receive.
    const ingestAgeThreshold = MAX_QUEUE_DELAY_SECONDS + config.ingestQueueAgeMarginMinutes * 60;
    this.alarm('IngestQueueStalled', {
      metric: props.ingestQueue.metricApproximateAgeOfOldestMessage({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: ingestAgeThreshold,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      description: `The oldest ingest message is older than ${ingestAgeThreshold / 60} minutes (longest planned wait plus margin): check ingest errors, throttles and its event source mapping`,
    });
    this.alarm('RecordsFailed', {
      // Every failed ingest or dlq message is logged and counted at once (shared/usecases/consume-task.ts):
      // a database that is down, a denied secret or a poison message pages within minutes, long before
      // the DLQ alarm would (5 receives, ~75 min). Deliberate waits and retries are not counted.
      metric: metrics.allRecordsFailed(),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'Queue messages failed (RecordsFailed by Reason): search the ingest and dlq logs for "message failed"',
    });
    this.alarm('AnnouncementsFailed', {
      // The alert of a job that did not succeed could not be posted. An ingest message that ended the job
      // is redelivered and announces again (late); a job the reaper, the fan-out or the DLQ's last
      // delivery ended stays unannounced. Either way this is how an operator hears of it.
      metric: metrics.allAnnouncementsFailed(),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'A failed or partly failed job could not be announced in Discord (retried with its ingest message, if one ended it): check the Discord webhook secret and Discord, then `jobs` for the job (OPERATIONS.md)',
    });
    this.alarm('TasksReaped', {
      metric: metrics.tasksReaped(),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'The reaper ended tasks nobody would finish (a crash during fan-out, a lost message); their jobs alerted with the retry command',
    });
    this.alarm('ActionRefreshesFailed', {
      // One failure is retried a day later (shared/usecases/as-traded.ts); five in an hour is the
      // provider's action endpoint failing for many assets, which leaves unlisted splits unknown.
      metric: metrics.actionRefreshesFailed(),
      threshold: 5,
      evaluationPeriods: 1,
      description:
        'Corporate-action refreshes failed (5 or more in an hour): splits a chart does not list stay unknown until one succeeds; search the ingest log for "corporate action refresh failed"',
    });
    this.alarm('TaskDeadlinesExceeded', {
      metric: metrics.taskDeadlinesExceeded(),
      threshold: 1,
      evaluationPeriods: 1,
      description:
        'An ingest task ran past its deadline (a stuck database or provider step) and its message went back to the queue; search the ingest log for "task deadline passed"',
    });
    this.alarm('StaleAssets', {
      metric: metrics.staleAssets(),
      threshold: 1,
      evaluationPeriods: 1,
      description: 'The freshness check found assets behind their calendar (details in Discord)',
    });
    const allocatedBytes = config.database.allocatedStorageGiB * GIB;
    this.alarm('DatabaseFreeStorageLow', {
      metric: database.metricFreeStorageSpace({ statistic: 'Minimum' }),
      // 20 % of the initial allocation: before storage autoscaling (at 10 %) and well before it is full.
      threshold: allocatedBytes * 0.2,
      comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      description: 'PostgreSQL is running out of storage',
    });

    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn });
    new CfnOutput(this, 'ParkedAlertsUrl', { value: parkedAlerts.queueUrl });
    // CloudFormation cannot read the secret, so the warning stands until the alarm shows otherwise.
    new CfnOutput(this, 'DiscordWebhookWarning', {
      description: 'Alerts reach Discord only once the webhook secret holds a URL',
      value:
        'WARNING: the Discord webhook secret is created with a placeholder; until you put the URL (docs/DEPLOY.md) alarms reach ' +
        (config.alertEmail ? `only ${config.alertEmail}` : 'nobody (set alertEmail for a second channel)') +
        ', and the DiscordWebhookUnset alarm fires.',
    });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${prefix}`,
    });
  }

  private alarm(
    id: string,
    props: Omit<cw.AlarmProps, 'alarmName' | 'treatMissingData' | 'alarmDescription'> & {
      description: string;
    },
  ): cw.Alarm {
    const { description, ...rest } = props;
    const alarm = new cw.Alarm(this, id, {
      ...rest,
      alarmName: `${this.stackName}-${id}`,
      alarmDescription: description,
      // Most of these metrics exist only when something happens; no data is not a problem.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.alarmAction);
    return alarm;
  }

  /** The topic every alarm notifies; encrypted with a key of its own where the stage pays for one. */
  private alarmTopic(config: StageConfig, prefix: string): sns.Topic {
    const props = { displayName: `${prefix} alarms`, enforceSSL: true };
    if (!config.alarmTopicKey) {
      const topic = new sns.Topic(this, 'AlarmTopic', props);
      Validations.of(topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'alarmTopicKey is off for this stage: a notification holds alarm names and metric values, no data or secret, and the key would be $1 of a ~$25 bill.',
      });
      return topic;
    }
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `${prefix} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: config.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // CloudWatch publishes alarm notifications itself, so it must be able to use the topic's key.
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    return new sns.Topic(this, 'AlarmTopic', { ...props, masterKey: key });
  }

  private addDashboard(
    prefix: string,
    metrics: PipelineMetrics,
    props: ObservabilityStackProps,
    parkedAlerts: IQueue,
  ): void {
    const { functions, database } = props;
    const providers = Object.keys(PROVIDER_LABELS) as ProviderName[];
    const statuses = Object.keys(JOB_STATUS_LABELS) as FinalJobStatus[];
    const perFunction = (metric: (fn: PipelineFunction) => cw.IMetric) =>
      Object.values(functions).map(metric);
    const graph = (title: string, left: cw.IMetric[], width = 8) =>
      new cw.GraphWidget({ title, left, width, height: 6 });

    const dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      graph(
        'Rows ingested per provider',
        providers.map((p) => metrics.rowsIngested(p)),
      ),
      graph(
        'Jobs finished by status',
        statuses.map((s) => metrics.jobsFinished(s)),
      ),
      graph('Tasks failed, dead-lettered, rate-limited; failed messages', [
        ...providers.map((p) => metrics.tasksFailed(p)),
        metrics.tasksDeadLettered(),
        ...providers.map((p) => metrics.tasksRateLimited(p)),
        ...(Object.keys(RECORD_FAILURE_LABELS) as RecordFailureReason[]).map((r) => metrics.recordsFailed(r)),
      ]),
    );
    dashboard.addWidgets(
      graph('Stale assets (freshness run) and rejected bars', [
        metrics.staleAssets(),
        ...providers.map((p) => metrics.barsRejected(p)),
      ]),
      graph('Queue depth', [
        props.ingestQueue.metricApproximateNumberOfMessagesVisible({ label: 'ingest visible' }),
        props.ingestQueue.metricApproximateNumberOfMessagesNotVisible({ label: 'ingest in flight' }),
        props.ingestDlq.metricApproximateNumberOfMessagesVisible({ label: 'DLQ' }),
        props.schedulerDlq.metricApproximateNumberOfMessagesVisible({ label: 'scheduler DLQ' }),
        props.failedInvocations.metricApproximateNumberOfMessagesVisible({ label: 'failed invocations' }),
        parkedAlerts.metricApproximateNumberOfMessagesVisible({ label: 'parked alerts' }),
      ]),
      graph('Age of oldest message (s)', [
        props.ingestQueue.metricApproximateAgeOfOldestMessage({ label: 'ingest' }),
        props.ingestDlq.metricApproximateAgeOfOldestMessage({ label: 'DLQ' }),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Lambda errors',
        perFunction((fn) => fn.metricErrors({ label: fn.node.id })),
      ),
      graph(
        'Lambda throttles',
        perFunction((fn) => fn.metricThrottles({ label: fn.node.id })),
      ),
      graph(
        'Lambda duration p95 (ms)',
        perFunction((fn) => fn.metricDuration({ statistic: 'p95', label: fn.node.id })),
      ),
    );
    dashboard.addWidgets(
      graph('RDS CPU (%)', [database.metricCPUUtilization()]),
      graph('RDS connections', [database.metricDatabaseConnections()]),
      graph('RDS free storage (bytes)', [database.metricFreeStorageSpace()]),
    );
  }
}
