import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { functionVersionsFinding } from '../nag.ts';

export interface SchemaMigrationProps {
  /** The migrate function, bundled with migrations/*.sql. */
  readonly handler: IFunction;
  readonly config: StageConfig;
  readonly migrationsDir: string;
  /** A new identifier (a restore) is an Update too: the restored database may predate migrations. */
  readonly databaseInstanceId?: string;
}

/**
 * Runs the migrate function on every deploy whose migrations/ changed, through the custom-resource
 * Provider framework: the handler returns on success and throws on failure, and the framework reports
 * FAILED with the error's message, which fails (and rolls back) the deployment.
 */
export class SchemaMigration extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SchemaMigrationProps) {
    super(scope, id);
    const provider = new Provider(this, 'Provider', {
      onEventHandler: props.handler,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.config.logRetentionDays as logs.RetentionDays,
        removalPolicy: props.config.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      }),
    });
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SchemaMigration',
      // A changed hash or database is an Update, so CloudFormation invokes the handler again.
      properties: {
        MigrationsHash: hashMigrations(props.migrationsDir),
        ...(props.databaseInstanceId && { DatabaseInstanceId: props.databaseInstanceId }),
      },
      // A migration stuck on a lock fails the deploy after 15 minutes rather than the default hour.
      serviceTimeout: Duration.minutes(15),
    });

    const onEvent = provider.node.findChild('framework-onEvent');
    Validations.of(onEvent).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The CDK Provider framework function creates its own role with this policy; it only relays the event.',
    });
    Validations.of(onEvent).acknowledge({
      id: functionVersionsFinding(props.handler),
      reason:
        'The framework may invoke any version or alias of the migrate function, and only that function.',
    });
    Validations.of(onEvent).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The CDK Provider framework chooses the runtime of its own relay function.',
    });
  }
}

/** SHA-256 over the names and contents of migrations/*.sql, in file-name order. */
export function hashMigrations(dir: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  for (const name of files) {
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(dir, name)))
      .update('\0');
  }
  return hash.digest('hex');
}
