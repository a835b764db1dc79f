import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { addDatabaseBackups } from '../constructs/database-backups.ts';
import { restoredOrNewDatabase } from '../constructs/restored-database.ts';
import { databaseInstanceIdentifier, parseRestoreSource, restoreContextKey } from '../restore-source.ts';

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
  readonly database: rds.DatabaseInstance | rds.DatabaseInstanceFromSnapshot;
  /** `market-data-<stage>`, or the restored instance's identifier (infra/restore-source.ts). */
  readonly instanceIdentifier: string;
  /** The same instance for metrics and alarms in other stacks, known by its identifier. */
  readonly databaseByName: rds.IDatabaseInstance;
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
    const restore = parseRestoreSource(
      config.stage,
      this.node.tryGetContext(restoreContextKey(config.stage)),
    );
    this.instanceIdentifier = databaseInstanceIdentifier(config.stage, restore);
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${this.instanceIdentifier}/postgresql`,
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
    this.database = restoredOrNewDatabase(this, restore, credentials, {
      instanceIdentifier: this.instanceIdentifier,
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
      parameterGroup,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      storageType: rds.StorageType.GP3,
      allocatedStorage: db.allocatedStorageGiB,
      maxAllocatedStorage: db.maxAllocatedStorageGiB,
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

    // The rotation functions run in the egress subnets because they must reach the Secrets Manager API;
    // HTTPS out is all they need besides PostgreSQL, which CDK opens both ways when it adds a rotation.
    const rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc,
      description: 'market-data secret rotation: PostgreSQL and the Secrets Manager API only',
      allowAllOutbound: false,
    });
    rotationSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Secrets Manager');
    // Single-user rotation: the functions re-read the secret, so no second user is needed.
    this.database.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      excludeCharacters: PASSWORD_EXCLUDED,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: rotationSecurityGroup,
    });

    this.analystSecret = this.addAnalystSecret(credentials, removal, rotationSecurityGroup);

    addDatabaseBackups(this, config, this.database);

    this.discordWebhook = new secretsmanager.Secret(this, 'DiscordWebhook', {
      description:
        `Discord webhook URL for market-data ${config.stage} alerts. Created with a random placeholder; ` +
        'put the real URL with aws secretsmanager put-secret-value (docs/DEPLOY.md).',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      removalPolicy: removal,
    });

    this.acknowledgeFindings(config);
    // Other stacks' alarms name the instance by its identifier as a literal: a Ref would be an export,
    // and CloudFormation refuses to change an export in use, as a restore (new identifier) must.
    this.databaseByName = rds.DatabaseInstance.fromDatabaseInstanceAttributes(this, 'DatabaseByName', {
      instanceIdentifier: this.instanceIdentifier,
      instanceEndpointAddress: this.database.dbInstanceEndpointAddress,
      port: DATABASE_PORT,
      securityGroups: [],
    });
    new CfnOutput(this, 'DatabaseInstanceIdentifier', { value: this.instanceIdentifier });
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
  private addAnalystSecret(
    master: rds.DatabaseSecret,
    removal: RemovalPolicy,
    securityGroup: ec2.ISecurityGroup,
  ): secretsmanager.ISecret {
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
      securityGroup,
      // The login exists only once the pipeline's migration has run (a later stack): a rotation now
      // would fail to clone a user that is not there yet. The first one runs 30 days after.
      rotateImmediatelyOnUpdate: false,
    });
    return attached;
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
