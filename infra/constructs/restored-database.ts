import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { RestoreSource } from '../restore-source.ts';

/** Every setting of the instance except how it starts: identical for a new and a restored instance. */
export type DatabaseSettings = rds.DatabaseInstanceSourceProps;

const DATABASE_NAME = 'market_data';

/**
 * The stage's database under the construct id `Database`, so a restore keeps the logical id and
 * CloudFormation replaces the instance in place of adding a second one: new and empty without a restore
 * source, else restored from it. Either way it gets the same `settings`, so deletion protection, storage
 * autoscaling, Performance Insights, the extended-support opt-out, the parameter and subnet groups and
 * the security group are the stack's and stay so on every later deploy, and the master password is the
 * secret's (no reset after a restore).
 */
export function restoredOrNewDatabase(
  scope: Construct,
  restore: RestoreSource | undefined,
  secret: rds.DatabaseSecret,
  settings: DatabaseSettings,
): rds.DatabaseInstance | rds.DatabaseInstanceFromSnapshot {
  if (restore?.kind === 'snapshot') {
    const instance = new rds.DatabaseInstanceFromSnapshot(scope, 'Database', {
      ...settings,
      snapshotIdentifier: restore.snapshot,
      credentials: rds.SnapshotCredentials.fromSecret(secret),
    });
    // Inherited from the snapshot, and admitted for an encrypted one: an unencrypted snapshot then fails
    // the restore instead of giving an unencrypted database.
    (instance.node.defaultChild as rds.CfnDBInstance).storageEncrypted = true;
    return instance;
  }
  const instance = new rds.DatabaseInstance(scope, 'Database', {
    ...settings,
    databaseName: DATABASE_NAME,
    credentials: rds.Credentials.fromSecret(secret),
    storageEncrypted: true,
  });
  if (restore?.kind === 'pitr') {
    // CloudFormation restores to a point in time when SourceDBInstanceIdentifier comes with RestoreTime or
    // UseLatestRestorableTime; the database name, user and encryption come from the source, which it
    // documents must then not be given.
    const cfn = instance.node.defaultChild as rds.CfnDBInstance;
    cfn.sourceDbInstanceIdentifier = restore.sourceInstance;
    if (restore.time === 'latest') cfn.useLatestRestorableTime = true;
    else cfn.restoreTime = restore.time;
    cfn.addPropertyDeletionOverride('DBName');
    cfn.addPropertyDeletionOverride('MasterUsername');
    cfn.addPropertyDeletionOverride('StorageEncrypted');
  }
  return instance;
}
