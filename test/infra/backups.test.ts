import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { StageConfigError, stageConfigInput } from '#infra/config.ts';
import { buildApp, templatesOf } from './cdk-app.ts';

const dev = templatesOf('dev');
const prod = templatesOf('prod');

/** The rules of the one backup plan of a Data template. */
const rulesOf = (template: Template): { Lifecycle: unknown; CopyActions?: unknown }[] => {
  const plans = Object.values(template.findResources('AWS::Backup::BackupPlan'));
  expect(plans).toHaveLength(1);
  return plans[0]?.Properties.BackupPlan.BackupPlanRule ?? [];
};

const vaultOf = (template: Template) => {
  const vaults = Object.values(template.findResources('AWS::Backup::BackupVault'));
  expect(vaults).toHaveLength(1);
  return vaults[0] as {
    Properties: Record<string, unknown>;
    DeletionPolicy: string;
    UpdateReplacePolicy: string;
  };
};

/** The vault name as CloudFormation builds it: a literal prefix and a part of AWS::StackId. */
const STACK_UNIQUE_NAME = {
  'Fn::Join': [
    '',
    [
      expect.stringMatching(/^market-data-(dev|prod)-$/),
      {
        'Fn::Select': [
          4,
          { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
        ],
      },
    ],
  ],
};

describe.each([
  ['dev', dev],
  ['prod', prod],
])('the %s backup vault', (_, templates) => {
  it('is retained with a name that is new for every creation of the stack, so a redeploy after destroy succeeds', () => {
    const vault = vaultOf(templates.data);
    expect(vault.DeletionPolicy).toBe('Retain');
    expect(vault.UpdateReplacePolicy).toBe('Retain');
    expect(vault.Properties.BackupVaultName).toEqual(STACK_UNIQUE_NAME);
  });

  it('uses no customer-managed KMS key: RDS recovery points keep the instance encryption', () => {
    expect(vaultOf(templates.data).Properties).not.toHaveProperty('EncryptionKeyArn');
    templates.data.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('holds daily points for 35 days and monthly ones for 12 months', () => {
    expect(rulesOf(templates.data).map((r) => r.Lifecycle)).toEqual([
      { DeleteAfterDays: 35 },
      { DeleteAfterDays: 365 },
    ]);
  });
});

describe('dev backups', () => {
  it('have no vault lock and no cross-region copy, and nothing else in dev is retained', () => {
    expect(vaultOf(dev.data).Properties).not.toHaveProperty('LockConfiguration');
    for (const rule of rulesOf(dev.data)) expect(rule.CopyActions).toBeUndefined();
    for (const template of [dev.network, dev.data, dev.pipeline, dev.observability]) {
      const retained = Object.entries(template.toJSON().Resources)
        .filter(([, r]) => (r as { DeletionPolicy?: string }).DeletionPolicy === 'Retain')
        .map(([, r]) => (r as { Type: string }).Type);
      expect(retained.filter((type) => type !== 'AWS::Backup::BackupVault')).toEqual([]);
    }
  });
});

describe('prod backups', () => {
  const { app } = buildApp('prod');
  const copyStack = app.node.findChild('MarketData-prod-BackupCopy') as Stack;
  const copy = Template.fromStack(copyStack);

  it('lock the vault in governance mode with the plan retentions inside the lock', () => {
    expect(vaultOf(prod.data).Properties.LockConfiguration).toEqual({
      MinRetentionDays: 35,
      MaxRetentionDays: 400,
    });
  });

  it('copy every recovery point to a retained, locked vault in the configured region', () => {
    for (const rule of rulesOf(prod.data)) {
      expect(rule.CopyActions).toEqual([
        {
          DestinationBackupVaultArn:
            'arn:aws:backup:us-west-2:111111111111:backup-vault:market-data-prod-copy',
          Lifecycle: rule.Lifecycle,
        },
      ]);
    }
    const vault = vaultOf(copy);
    expect(vault.Properties).toMatchObject({
      BackupVaultName: 'market-data-prod-copy',
      LockConfiguration: { MinRetentionDays: 35 },
    });
    expect(vault.DeletionPolicy).toBe('Retain');
    expect(copyStack.region).toBe('us-west-2');
  });

  it('refuse a copy into the region deployed to, and a lock that would refuse the plan', () => {
    const sameRegion = stageConfigInput('prod');
    sameRegion.backup.copyToRegion = 'us-east-1';
    expect(() => buildApp('prod', { config: sameRegion })).toThrow(
      /backup.copyToRegion is us-east-1, the region deployed to: choose another region/,
    );
    const tooStrict = stageConfigInput('prod');
    tooStrict.backup.vaultLock = { minRetentionDays: 60, maxRetentionDays: 400 };
    expect(() => buildApp('prod', { config: tooStrict })).toThrow(StageConfigError);
    expect(() => buildApp('prod', { config: tooStrict })).toThrow(/set minRetentionDays to at most 35/);
  });

  it('can be turned off in config', () => {
    const input = stageConfigInput('prod');
    input.backup = {};
    const { app: plain, stacks } = buildApp('prod', { config: input });
    expect(plain.node.tryFindChild('MarketData-prod-BackupCopy')).toBeUndefined();
    expect(vaultOf(Template.fromStack(stacks.data)).Properties).not.toHaveProperty('LockConfiguration');
  });
});
