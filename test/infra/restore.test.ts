import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { databaseInstanceIdentifier, parseRestoreSource } from '#infra/restore-source.ts';
import { buildApp, templatesOf } from './cdk-app.ts';

const RECOVERY_POINT = 'arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-0a1b2c3d';
const normal = { dev: templatesOf('dev'), prod: templatesOf('prod') };
const fromSnapshot = {
  dev: templatesOf('dev', { context: { 'restore:dev': 'snapshot:rds:market-data-dev-2026-11-30-03-10' } }),
  prod: templatesOf('prod', { context: { 'restore:prod': `snapshot:${RECOVERY_POINT}` } }),
};
const toPointInTime = {
  dev: templatesOf('dev', { context: { 'restore:dev': 'pitr:market-data-dev@latest' } }),
  prod: templatesOf('prod', { context: { 'restore:prod': 'pitr:market-data-prod@2026-11-30T05:00:00Z' } }),
};

/** The one DB instance of a Data template, with its logical id. */
function instanceOf(template: Template): {
  id: string;
  properties: Record<string, unknown>;
  policy: unknown;
} {
  const found = Object.entries(template.findResources('AWS::RDS::DBInstance'));
  expect(found).toHaveLength(1);
  const [id, resource] = found[0] as [
    string,
    { Properties: Record<string, unknown>; DeletionPolicy: unknown },
  ];
  return { id, properties: resource.Properties, policy: resource.DeletionPolicy };
}

/** The settings a restore must keep (everything but how the instance starts and what it is named). */
const KEPT = [
  'DeletionProtection',
  'AllocatedStorage',
  'MaxAllocatedStorage',
  'StorageType',
  'EnablePerformanceInsights',
  'EngineLifecycleSupport',
  'Engine',
  'EngineVersion',
  'DBInstanceClass',
  'MultiAZ',
  'DBParameterGroupName',
  'DBSubnetGroupName',
  'VPCSecurityGroups',
  'PubliclyAccessible',
  'CACertificateIdentifier',
  'BackupRetentionPeriod',
  'EnableCloudwatchLogsExports',
  'CopyTagsToSnapshot',
  'MasterUserPassword',
] as const;

const pick = (properties: Record<string, unknown>) =>
  Object.fromEntries(KEPT.map((key) => [key, properties[key]]));

describe.each(['dev', 'prod'] as const)('a restored %s database', (stage) => {
  it.each([
    ['a snapshot', fromSnapshot],
    ['a point in time', toPointInTime],
  ])('restored from %s keeps every setting of the normal instance, and its logical id', (_, restored) => {
    const before = instanceOf(normal[stage].data);
    const after = instanceOf(restored[stage].data);
    expect(after.id).toBe(before.id);
    expect(pick(after.properties)).toEqual(pick(before.properties));
    expect(after.policy).toBe(before.policy);
    // Not undefined = undefined: the settings that matter are set.
    expect(after.properties).toMatchObject({
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      MaxAllocatedStorage: expect.any(Number),
      DBParameterGroupName: { Ref: expect.stringMatching(/^Parameters/) },
      DBSubnetGroupName: { Ref: expect.stringMatching(/^DatabaseSubnetGroup/) },
    });
  });

  it('from a snapshot is encrypted, gets the secret password and a name of its own', () => {
    const { properties } = instanceOf(fromSnapshot[stage].data);
    expect(properties).toMatchObject({
      DBSnapshotIdentifier: expect.any(String),
      StorageEncrypted: true,
      DBInstanceIdentifier: expect.stringMatching(new RegExp(`^market-data-${stage}-r[0-9a-f]{8}$`)),
    });
    expect(properties).not.toHaveProperty('MasterUsername');
    expect(properties).not.toHaveProperty('DBName');
  });

  it('to a point in time restores from the named instance, whose encryption it inherits', () => {
    const { properties } = instanceOf(toPointInTime[stage].data);
    expect(properties).toMatchObject({ SourceDBInstanceIdentifier: `market-data-${stage}` });
    expect(properties.RestoreTime ?? properties.UseLatestRestorableTime).toBeDefined();
    for (const key of ['StorageEncrypted', 'MasterUsername', 'DBName', 'DBSnapshotIdentifier']) {
      expect(properties).not.toHaveProperty(key);
    }
  });

  it('exports nothing that names the instance, so a new identifier can deploy', () => {
    const exports = Object.values(fromSnapshot[stage].data.toJSON().Outputs ?? {}).filter(
      (output) => (output as { Export?: unknown }).Export !== undefined,
    );
    expect(JSON.stringify(exports)).not.toMatch(/"Ref":"Database[0-9A-F]{8}"/);
    fromSnapshot[stage].observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [
        { Name: 'DBInstanceIdentifier', Value: Match.stringLikeRegexp(`^market-data-${stage}-r`) },
      ],
    });
  });

  it('updates every database function and re-runs the migration', () => {
    const { properties } = instanceOf(fromSnapshot[stage].data);
    const id = properties.DBInstanceIdentifier;
    fromSnapshot[stage].pipeline.hasResourceProperties('Custom::SchemaMigration', { DatabaseInstanceId: id });
    const functions = fromSnapshot[stage].pipeline.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { DB_SECRET_ARN: Match.anyValue() } } },
    });
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(7);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Environment.Variables.DB_INSTANCE_ID).toBe(id);
    }
  });
});

describe('cdk-nag on a restored stage', () => {
  it.each([
    ['dev', 'pitr:market-data-dev@2026-11-30T05:00:00Z'],
    ['prod', `snapshot:${RECOVERY_POINT}`],
  ] as const)('finds nothing unacknowledged on %s restored from %s', (stage, value) => {
    const { app } = buildApp(stage, { context: { [`restore:${stage}`]: value } });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(
      report.violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
      ),
    ).toEqual([]);
  });
});

describe('restore source', () => {
  it('is stable for one value and differs between values', () => {
    const a = parseRestoreSource('prod', 'pitr:market-data-prod@latest');
    const b = parseRestoreSource('prod', 'pitr:market-data-prod@2026-11-30T05:00:00Z');
    expect(databaseInstanceIdentifier('prod', a)).toBe(databaseInstanceIdentifier('prod', a));
    expect(databaseInstanceIdentifier('prod', a)).not.toBe(databaseInstanceIdentifier('prod', b));
    expect(databaseInstanceIdentifier('prod', undefined)).toBe('market-data-prod');
  });

  it('rejects a value of neither form and shows both', () => {
    for (const bad of ['rds:market-data-prod-2026', 'pitr:market-data-prod@yesterday', 'snapshot:']) {
      expect(() => parseRestoreSource('prod', bad)).toThrow(
        /restore:prod=snapshot:<snapshot id or ARN> or -c restore:prod=pitr:<source instance>@/,
      );
    }
  });
});
