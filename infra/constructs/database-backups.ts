import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IDatabaseInstance } from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

/** How long AWS Backup keeps the daily and the monthly recovery points. */
export const BACKUP_RETENTION_DAYS = { daily: 35, monthly: 365 } as const;

/** The name of the vault in `copyToRegion`: fixed, because the plan in the home region names its ARN. */
export const copyVaultName = (stage: string) => `market-data-${stage}-copy`;

type VaultLock = StageConfig['backup']['vaultLock'];

/**
 * Vault props shared by the home and the copy vault. No customer-managed key: RDS recovery points keep the
 * instance's own encryption (AWS Backup does not re-encrypt them with the vault key), so a key here would
 * encrypt nothing and, retained, outlive every destroy. Always retained: a vault that holds recovery points
 * cannot be deleted, so CloudFormation would fail the destroy; and recovery points must outlive the stack.
 */
function vaultProps(backupVaultName: string, lock: VaultLock): backup.BackupVaultProps {
  return {
    backupVaultName,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(lock && {
      lockConfiguration: {
        minRetention: Duration.days(lock.minRetentionDays),
        maxRetention: Duration.days(lock.maxRetentionDays),
        changeableFor:
          lock.changeableForDays === undefined ? undefined : Duration.days(lock.changeableForDays),
      },
    }),
  };
}

/**
 * The stage's AWS Backup vault, plan and selection of the database, created in `stack` itself (so the plan
 * and role keep the logical ids they had before this construct). The vault's name ends with part of the
 * stack's id, which is new for every creation of the stack: a destroy leaves the vault (retained), and the
 * next deploy creates a vault of another name instead of failing on the old one.
 */
export function addDatabaseBackups(stack: Stack, config: StageConfig, database: IDatabaseInstance): void {
  const stackUuid = Fn.select(2, Fn.split('/', stack.stackId));
  const vault = new backup.BackupVault(
    stack,
    'BackupVault',
    vaultProps(
      `market-data-${config.stage}-${Fn.select(4, Fn.split('-', stackUuid))}`,
      config.backup.vaultLock,
    ),
  );
  const { copyToRegion } = config.backup;
  const copyVault =
    copyToRegion === undefined
      ? undefined
      : backup.BackupVault.fromBackupVaultArn(
          stack,
          'CopyVault',
          `arn:${stack.partition}:backup:${copyToRegion}:${stack.account}:backup-vault:${copyVaultName(config.stage)}`,
        );
  const rule = (ruleName: string, day: string | undefined, deleteAfterDays: number) =>
    new backup.BackupPlanRule({
      ruleName,
      // Both rules start at 05:00 UTC: on the 1st AWS Backup keeps one recovery point with the longer
      // retention instead of taking two snapshots.
      scheduleExpression: events.Schedule.cron({ hour: '5', minute: '0', day }),
      startWindow: Duration.hours(1),
      completionWindow: Duration.hours(4),
      deleteAfter: Duration.days(deleteAfterDays),
      copyActions: copyVault && [
        { destinationBackupVault: copyVault, deleteAfter: Duration.days(deleteAfterDays) },
      ],
    });
  const plan = new backup.BackupPlan(stack, 'BackupPlan', {
    backupPlanName: `market-data-${config.stage}`,
    backupVault: vault,
    backupPlanRules: [
      rule('daily-35-days', undefined, BACKUP_RETENTION_DAYS.daily),
      rule('monthly-12-months', '1', BACKUP_RETENTION_DAYS.monthly),
    ],
  });
  const role = new iam.Role(stack, 'BackupRole', {
    assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
    description: 'AWS Backup: back up and copy the market-data database',
  });
  plan.addSelection('Database', {
    resources: [backup.BackupResource.fromRdsDatabaseInstance(database)],
    role,
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
    reason:
      'The AWS-maintained service-role policy AWS Backup documents for backup and copy jobs; the selection limits it to this instance.',
  });
  new CfnOutput(stack, 'BackupVaultName', { value: vault.backupVaultName });
}

export interface BackupCopyStackProps extends StackProps {
  readonly config: StageConfig;
}

/** The vault in `backup.copyToRegion` that the home region's plan copies every recovery point into. */
export class BackupCopyStack extends Stack {
  constructor(scope: Construct, id: string, props: BackupCopyStackProps) {
    super(scope, id, props);
    const { config } = props;
    const vault = new backup.BackupVault(
      this,
      'CopyVault',
      vaultProps(copyVaultName(config.stage), config.backup.vaultLock),
    );
    new CfnOutput(this, 'CopyVaultArn', { value: vault.backupVaultArn });
  }
}
