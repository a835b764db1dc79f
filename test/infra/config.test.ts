import { describe, expect, it } from 'vitest';
import {
  deploymentEnvironment,
  loadStageConfig,
  PLACEHOLDER_ACCOUNT,
  StageConfigError,
} from '#infra/config.ts';

const noContext = () => undefined;

describe('stage configuration', () => {
  it('rejects an unknown stage and says what to pass', () => {
    expect(() => loadStageConfig('staging')).toThrow(StageConfigError);
    expect(() => loadStageConfig('staging')).toThrow(
      /unknown stage "staging": pass -c stage=dev or -c stage=prod/,
    );
    expect(() => loadStageConfig(undefined)).toThrow(/-c stage=dev/);
  });

  it('protects prod and lets dev tear down', () => {
    expect(loadStageConfig('prod').database).toMatchObject({
      multiAz: true,
      deletionProtection: true,
      removal: 'snapshot',
    });
    expect(loadStageConfig('dev').database).toMatchObject({ deletionProtection: false, removal: 'destroy' });
  });
});

describe('deployment environment', () => {
  it('uses the CLI credentials account and region when given', () => {
    const env = { CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' };
    expect(deploymentEnvironment(noContext, env)).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });

  it('falls back to a placeholder account so synth works offline', () => {
    expect(deploymentEnvironment(noContext, {})).toEqual({
      account: PLACEHOLDER_ACCOUNT,
      region: 'us-east-1',
    });
  });

  it('lets context override both, and rejects a malformed account', () => {
    const context: Record<string, string> = { account: '210987654321', region: 'ap-northeast-2' };
    expect(deploymentEnvironment((key) => context[key], {})).toEqual({
      account: '210987654321',
      region: 'ap-northeast-2',
    });
    expect(() => deploymentEnvironment((key) => (key === 'account' ? '12345' : undefined), {})).toThrow(
      /12 digits/,
    );
  });
});
