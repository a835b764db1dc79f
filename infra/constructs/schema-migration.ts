import { CustomResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
// A pure function of the migration files, shared with the migrate function so both hash alike.
import { hashMigrations } from '#shared/db/migrations-hash.ts';
import type { StageConfig } from '../config.ts';
import { functionVersionsFinding } from '../nag.ts';

export { hashMigrations };

export interface SchemaMigrationProps {
  /** The migrate function, bundled with migrations/*.sql. */
  readonly handler: IFunction;
  readonly config: StageConfig;
  readonly migrationsDir: string;
  /** A new identifier (a restore) is an Update too: the restored database may predate migrations. */
  readonly databaseInstanceId?: string;
  /**
   * The secret the handler creates the analyst login from after migrating: part of the properties, so
   * a deploy that adds or replaces it re-runs the handler even when migrations/ did not change.
   */
  readonly analystSecretArn?: string;
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
      // A changed hash, database or analyst secret is an Update, so CloudFormation invokes the handler
      // again. The handler compares the hash with the hash of the files it was bundled with: on a
      // rollback the old hash arrives while the function still runs the new code, and it applies nothing.
      properties: {
        MigrationsHash: hashMigrations(props.migrationsDir),
        ...(props.databaseInstanceId && { DatabaseInstanceId: props.databaseInstanceId }),
        ...(props.analystSecretArn && { AnalystSecretArn: props.analystSecretArn }),
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
