import type { App, Environment, StackProps } from 'aws-cdk-lib';
import { loadStageConfig, type StageConfig, StageConfigError } from './config.ts';
import { BackupCopyStack } from './constructs/database-backups.ts';
import { DataStack } from './stacks/data-stack.ts';
import { NetworkStack } from './stacks/network-stack.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';
import { PipelineStack } from './stacks/pipeline-stack.ts';

export interface MarketDataStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly pipeline: PipelineStack;
  readonly observability: ObservabilityStack;
}

/**
 * Adds the stacks of the stage named by the `stage` context value (-c stage=dev|prod), one per concern,
 * deployed in dependency order by `cdk deploy --all`.
 * @throws StageConfigError for an unknown stage.
 */
export function addMarketDataStacks(
  app: App,
  env: Environment,
  config: StageConfig = loadStageConfig(app.node.tryGetContext('stage'), undefined, {
    alertEmail: app.node.tryGetContext('alertEmail'),
    yahooUserAgent: app.node.tryGetContext('yahooUserAgent'),
  }),
): MarketDataStacks {
  const name = (concern: string) => `MarketData-${config.stage}-${concern}`;
  const common: StackProps = {
    env,
    tags: { project: 'market-data', stage: config.stage },
    terminationProtection: config.stage === 'prod',
  };

  const network = new NetworkStack(app, name('Network'), {
    ...common,
    description: 'market-data: VPC, subnets, NAT and flow logs',
    config,
  });
  const data = new DataStack(app, name('Data'), {
    ...common,
    description: 'market-data: RDS PostgreSQL, its secret and rotation, AWS Backup, Discord secret',
    config,
    vpc: network.vpc,
  });
  data.addStackDependency(network, 'the database and its rotation function are placed in the VPC subnets');
  const { copyToRegion } = config.backup;
  if (copyToRegion !== undefined) {
    if (copyToRegion === env.region) {
      throw new StageConfigError(
        `stage ${config.stage}: backup.copyToRegion is ${copyToRegion}, the region deployed to: choose another region in infra/config.ts`,
      );
    }
    const backupCopy = new BackupCopyStack(app, name('BackupCopy'), {
      ...common,
      env: { ...env, region: copyToRegion },
      description: `market-data: the vault that ${config.stage}'s recovery points are copied to`,
      config,
    });
    data.addStackDependency(backupCopy, 'the backup plan copies every recovery point into its vault');
  }

  const pipeline = new PipelineStack(app, name('Pipeline'), {
    ...common,
    description: 'market-data: queues, functions, schedules, event bus and schema migration',
    config,
    vpc: network.vpc,
    database: data.database,
    databaseInstanceId: data.instanceIdentifier,
    databaseSecret: data.databaseSecret,
    analystSecret: data.analystSecret,
    discordWebhook: data.discordWebhook,
  });
  pipeline.addStackDependency(network, 'the functions run in the VPC subnets');
  pipeline.addStackDependency(
    data,
    'the functions read the database and Discord secrets and are admitted by the database security group',
  );

  const observability = new ObservabilityStack(app, name('Observability'), {
    ...common,
    description: 'market-data: dashboard, alarms and the Discord notifier',
    config,
    functions: pipeline.functions,
    ingestQueue: pipeline.ingestQueue,
    ingestDlq: pipeline.ingestDlq,
    schedulerDlq: pipeline.schedulerDlq,
    failedInvocations: pipeline.failedInvocations,
    database: data.databaseByName,
    discordWebhook: data.discordWebhook,
  });
  observability.addStackDependency(pipeline, 'the alarms and dashboard watch the queues and functions');
  observability.addStackDependency(data, 'the notifier reads the Discord secret; alarms watch the database');

  return { network, data, pipeline, observability };
}
