import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { templatesOf } from './cdk-app.ts';

const dev = templatesOf('dev');

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function idOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}*`).toHaveLength(1);
  return ids[0] as string;
}

describe('analyst access on AWS', () => {
  it('keeps the analyst login in a secret of its own, generated with the master secret named for rotation', () => {
    dev.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'password',
        SecretStringTemplate: {
          'Fn::Join': [
            '',
            Match.arrayWith([
              Match.stringLikeRegexp('"username":"market_analyst","dbname":"market_data","masterarn":"'),
              { Ref: Match.stringLikeRegexp('^DatabaseSecret') },
            ]),
          ],
        },
      }),
    });
    dev.data.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      SecretId: { Ref: idOf(dev.data, 'AWS::SecretsManager::Secret', 'AnalystSecret') },
      TargetType: 'AWS::RDS::DBInstance',
    });
  });

  it('rotates it every 30 days with the multi-user rotation, first after the login exists', () => {
    const attachment = idOf(dev.data, 'AWS::SecretsManager::SecretTargetAttachment', 'AnalystSecret');
    const rotation = idOf(dev.data, 'AWS::Serverless::Application', 'DatabaseAnalystRotation');
    dev.data.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: attachment },
      RotationLambdaARN: { 'Fn::GetAtt': [rotation, 'Outputs.RotationLambdaARN'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    const [mapping] = Object.values(dev.data.toJSON().Mappings ?? {}).filter((m) =>
      JSON.stringify(m).includes('MultiUser'),
    );
    expect(JSON.stringify(mapping)).toMatch(/SecretsManagerRDSPostgreSQLRotationMultiUser/);
  });

  it('gives the migrate function, and no other, the analyst secret to create the login from', () => {
    const functions = Object.values(dev.pipeline.findResources('AWS::Lambda::Function'));
    const withAnalyst = functions.filter((f) => f.Properties.Environment?.Variables?.ANALYST_SECRET_ARN);
    expect(withAnalyst.map((f) => f.Properties.FunctionName)).toEqual(['market-data-dev-migrate']);
    expect(withAnalyst[0]?.Properties.Environment.Variables.ANALYST_SECRET_ARN).toEqual({
      'Fn::ImportValue': expect.stringMatching(/AnalystSecretAttachment/),
    });
  });

  it('re-runs the migration (and so the login) when the analyst secret changes', () => {
    const [migration] = Object.values(dev.pipeline.findResources('Custom::SchemaMigration'));
    expect(migration?.Properties.AnalystSecretArn).toEqual({
      'Fn::ImportValue': expect.stringMatching(/AnalystSecretAttachment/),
    });
  });

  it('publishes where analysts find their secret', () => {
    dev.data.hasOutput('AnalystSecretArn', {
      Value: { Ref: Match.stringLikeRegexp('^AnalystSecretAttachment') },
    });
  });
});
