import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
}

export const DATABASE_PORT = 5432;

/**
 * Characters kept out of generated passwords, at creation and at every rotation: everything with a
 * meaning in a postgres:// URL, so a DATABASE_URL built from the secret needs no escaping.
 */
const PASSWORD_EXCLUDED = ' "\'`\\/@:?#[]{}<>%&+=,;|^~$!*()';

/** The PostgreSQL instance, its credentials and their rotation, its backups, and the Discord secret. */
export class DataStack extends Stack {
  readonly database: rds.DatabaseInstance;
  /** The RDS-generated secret: host, port, username, password, dbname. */
  readonly databaseSecret: secretsmanager.ISecret;
  /** The analyst login (read-only, market_reader): its own secret, rotated between two users. */
  readonly analystSecret: secretsmanager.ISecret;
  /** Holds the Discord webhook URL, which the operator puts in after the first deploy. */
  readonly discordWebhook: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, vpc } = props;
    const db = config.database;
    const removal = config.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_18_3 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'market-data PostgreSQL: TLS only, slow statements logged',
      parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
    });
    const securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: 'PostgreSQL: reachable only from the pipeline functions and the rotation function',
      allowAllOutbound: false,
    });

    // Named so its log group can be created here with a retention before RDS creates one without.
    const instanceIdentifier = `market-data-${config.stage}`;
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: removal,
    });

    // Created here rather than by the instance so that prod keeps it if the stack goes: a final snapshot
    // is only useful with the credentials it was taken with.
    const credentials = new rds.DatabaseSecret(this, 'DatabaseSecret', {
      username: 'market_data',
      excludeCharacters: PASSWORD_EXCLUDED,
    });
    credentials.applyRemovalPolicy(removal);
    this.database = new rds.DatabaseInstance(this, 'Database', {
      instanceIdentifier,
      engine,
      // 17 -> 18 (the revisions log needs RETURNING old/new): CloudFormation refuses a major version
      // change without this. DEPLOY.md says to take a snapshot first.
      allowMajorVersionUpgrade: true,
      // Extended support is billed per vCPU-hour once a major version leaves standard support.
      engineLifecycleSupport: rds.EngineLifecycleSupport.OPEN_SOURCE_RDS_EXTENDED_SUPPORT_DISABLED,
      instanceType: new ec2.InstanceType(db.instanceType),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      port: DATABASE_PORT,
      databaseName: 'market_data',
      credentials: rds.Credentials.fromSecret(credentials),
      parameterGroup,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      storageType: rds.StorageType.GP3,
      allocatedStorage: db.allocatedStorageGiB,
      maxAllocatedStorage: db.maxAllocatedStorageGiB,
      storageEncrypted: true,
      multiAz: db.multiAz,
      // UTC windows: after the 02:00 freshness run, before AWS Backup's 05:00 snapshot.
      backupRetention: Duration.days(db.backupRetentionDays),
      preferredBackupWindow: '03:00-03:30',
      preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      deletionProtection: db.deletionProtection,
      removalPolicy: db.removal === 'snapshot' ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      enablePerformanceInsights: db.performanceInsights,
      cloudwatchLogsExports: ['postgresql'],
    });
    this.database.node.defaultChild?.node.addDependency(postgresLogs);
    if (!this.database.secret) throw new Error('the database instance has no attached credentials secret');
    this.databaseSecret = this.database.secret;

    // Single-user rotation: the functions re-read the secret, so no second user is needed. The rotation
    // function runs in the egress subnets because it must reach the Secrets Manager API.
    this.database.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      excludeCharacters: PASSWORD_EXCLUDED,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });

    this.analystSecret = this.addAnalystSecret(credentials, removal);

    this.addBackupPlan(config.stage);

    this.discordWebhook = new secretsmanager.Secret(this, 'DiscordWebhook', {
      description:
        `Discord webhook URL for market-data ${config.stage} alerts. Created with a random placeholder; ` +
        'put the real URL with aws secretsmanager put-secret-value (docs/DEPLOY.md).',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      removalPolicy: removal,
    });

    this.acknowledgeFindings(config);
    new CfnOutput(this, 'DatabaseEndpoint', { value: this.database.dbInstanceEndpointAddress });
    new CfnOutput(this, 'DatabaseSecretArn', { value: this.databaseSecret.secretArn });
    new CfnOutput(this, 'DiscordWebhookSecretArn', { value: this.discordWebhook.secretArn });
    new CfnOutput(this, 'AnalystSecretArn', { value: this.analystSecret.secretArn });
  }

  /**
   * The analysts' login, market_analyst, created by the migrate function from this secret (after
   * migration 0010 made market_reader). Multi-user rotation, because analysts hold long sessions and
   * saved connections: it alternates market_analyst and market_analyst_clone, so the previous password
   * keeps working until the next rotation. The master secret (masterarn) lets the rotation create the
   * clone and set passwords.
   */
  private addAnalystSecret(master: rds.DatabaseSecret, removal: RemovalPolicy): secretsmanager.ISecret {
    const secret = new rds.DatabaseSecret(this, 'AnalystSecret', {
      username: 'market_analyst',
      dbname: 'market_data',
      masterSecret: master,
      excludeCharacters: PASSWORD_EXCLUDED,
    });
    secret.applyRemovalPolicy(removal);
    // Adds host, port and engine, which the rotation function and analysts' tools read.
    const attached = secret.attach(this.database);
    this.database.addRotationMultiUser('AnalystRotation', {
      secret: attached,
      automaticallyAfter: Duration.days(30),
      excludeCharacters: PASSWORD_EXCLUDED,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      // The login exists only once the pipeline's migration has run (a later stack): a rotation now
      // would fail to clone a user that is not there yet. The first one runs 30 days after.
      rotateImmediatelyOnUpdate: false,
    });
    return attached;
  }

  /** Daily recovery points kept 35 days and monthly ones kept 12 months, in a KMS-encrypted vault. */
  private addBackupPlan(stage: string): void {
    // Backups must outlive the stack: the vault and its key are always retained.
    const key = new kms.Key(this, 'BackupKey', {
      description: 'market-data AWS Backup vault',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const vault = new backup.BackupVault(this, 'BackupVault', {
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Both rules start at 05:00 UTC: on the 1st AWS Backup keeps one recovery point with the longer
    // retention instead of taking two snapshots.
    const at0500Utc = { hour: '5', minute: '0' };
    const plan = new backup.BackupPlan(this, 'BackupPlan', {
      backupPlanName: `market-data-${stage}`,
      backupVault: vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'daily-35-days',
          scheduleExpression: events.Schedule.cron(at0500Utc),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(4),
          deleteAfter: Duration.days(35),
        }),
        new backup.BackupPlanRule({
          ruleName: 'monthly-12-months',
          scheduleExpression: events.Schedule.cron({ ...at0500Utc, day: '1' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(4),
          deleteAfter: Duration.days(365),
        }),
      ],
    });
    // The restore runbook (docs/OPERATIONS.md) passes this role to start-restore-job too.
    const role = new iam.Role(this, 'BackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'AWS Backup: back up and restore the market-data database',
    });
    plan.addSelection('Database', {
      resources: [backup.BackupResource.fromRdsDatabaseInstance(this.database)],
      role,
      allowRestores: true,
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The AWS-maintained service-role policy AWS Backup documents for backup jobs; the selection limits it to this instance.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
      reason:
        'The AWS-maintained service-role policy AWS Backup documents for restore jobs, used by the restore runbook.',
    });
    new CfnOutput(this, 'BackupVaultName', { value: vault.backupVaultName });
    new CfnOutput(this, 'BackupRoleArn', { value: role.roleArn });
  }

  private acknowledgeFindings(config: StageConfig): void {
    Validations.of(this.database).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The default port is kept: the instance is in isolated subnets and its security group admits only the ' +
        'pipeline and rotation functions, so a non-standard port would hide nothing and break tooling defaults.',
    });
    if (!config.database.multiAz) {
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason: `Stage ${config.stage} runs single-AZ to halve the instance cost; prod is Multi-AZ (infra/config.ts).`,
      });
    }
    if (!config.database.deletionProtection) {
      Validations.of(this.database).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: `Stage ${config.stage} must tear down with cdk destroy; prod has deletion protection (infra/config.ts).`,
      });
    }
    Validations.of(this.discordWebhook).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook URL is issued by Discord, so Secrets Manager cannot rotate it; it is rotated by hand ' +
        '(new webhook in Discord, then put-secret-value) as described in docs/OPERATIONS.md.',
    });
  }
}
