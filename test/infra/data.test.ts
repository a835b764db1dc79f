import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { templatesOf } from './cdk-app.ts';

const dev = templatesOf('dev');
const prod = templatesOf('prod');

describe('network', () => {
  it('has public, egress and isolated subnets in two AZs behind one NAT (network.test.ts: which kind)', () => {
    dev.network.resourceCountIs('AWS::EC2::Subnet', 6);
    dev.network.resourceCountIs('AWS::EC2::Instance', 1);
    prod.network.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  it('logs all VPC traffic to a log group with retention', () => {
    dev.network.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    dev.network.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });
});

describe('database', () => {
  it('is PostgreSQL 18 (RETURNING old.* logs revisions), encrypted, private, with TLS forced by its parameter group', () => {
    dev.data.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: Match.stringLikeRegexp('^18\\.'),
      // A stack deployed on 17 upgrades in place: CloudFormation refuses a major change without it.
      AllowMajorVersionUpgrade: true,
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DBParameterGroupName: { Ref: Match.stringLikeRegexp('^Parameters') },
    });
    dev.data.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: 'postgres18',
      Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
    });
  });

  it('is sized and protected per stage', () => {
    dev.data.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        DBInstanceClass: 'db.t4g.micro',
        MultiAZ: false,
        DeletionProtection: false,
      }),
      DeletionPolicy: 'Delete',
    });
    prod.data.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        DBInstanceClass: 'db.t4g.medium',
        MultiAZ: true,
        DeletionProtection: true,
        EnablePerformanceInsights: true,
      }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  it('keeps automated backups for at least 7 days', () => {
    for (const { data } of [dev, prod]) {
      const [instance] = Object.values(data.findResources('AWS::RDS::DBInstance'));
      expect(instance?.Properties.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
    }
  });

  it('admits only the security groups of the rotation functions and, from the pipeline stack, the functions', () => {
    // One group for both rotation functions (network.test.ts: what it may send).
    dev.data.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    dev.data.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RotationSecurityGroup'), 'GroupId'] },
    });
    dev.pipeline.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionSecurityGroup'), 'GroupId'] },
      GroupId: { 'Fn::ImportValue': Match.stringLikeRegexp('DatabaseSecurityGroup') },
    });
  });

  it('rotates its generated credentials every 30 days', () => {
    dev.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
    dev.data.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });
});

describe('backups', () => {
  it('keeps daily recovery points 35 days and monthly ones 12 months', () => {
    dev.data.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: Match.arrayWith([
          Match.objectLike({ ScheduleExpression: 'cron(0 5 * * ? *)', Lifecycle: { DeleteAfterDays: 35 } }),
          Match.objectLike({ ScheduleExpression: 'cron(0 5 1 * ? *)', Lifecycle: { DeleteAfterDays: 365 } }),
        ]),
      },
    });
  });

  it('select the database (backups.test.ts: the vault per stage)', () => {
    dev.data.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({ Resources: [Match.objectLike({ 'Fn::Join': Match.anyValue() })] }),
    });
  });
});

describe('discord secret', () => {
  it('is created with a generated placeholder, never a URL from the code', () => {
    dev.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('Discord webhook'),
      GenerateSecretString: Match.objectLike({ ExcludePunctuation: true }),
      SecretString: Match.absent(),
    });
  });
});
