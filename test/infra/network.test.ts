import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stageConfigInput } from '#infra/config.ts';
import { templatesOf } from './cdk-app.ts';

const dev = templatesOf('dev');
const prod = templatesOf('prod');

describe('NAT', () => {
  it('is a t4g.nano instance in dev, with an encrypted root volume and a default route through it', () => {
    dev.network.resourceCountIs('AWS::EC2::NatGateway', 0);
    dev.network.resourceCountIs('AWS::EC2::Instance', 1);
    dev.network.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      SourceDestCheck: false,
      ImageId: { Ref: Match.stringLikeRegexp('al2023.*arm64') },
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true }) }],
    });
    // The instance's public IPv4 comes from its public subnet: without one it could not reach out.
    dev.network.hasResourceProperties('AWS::EC2::Subnet', {
      MapPublicIpOnLaunch: true,
      Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: 'Public' }]),
    });
    dev.network.hasResourceProperties('AWS::EC2::Route', {
      DestinationCidrBlock: '0.0.0.0/0',
      InstanceId: { Ref: Match.stringLikeRegexp('NatInstance') },
    });
  });

  it('admits only HTTPS from the VPC, not the whole internet', () => {
    dev.network.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Security Group for NAT instances',
      SecurityGroupIngress: [
        {
          CidrIp: '10.40.0.0/16',
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          Description: Match.anyValue(),
        },
      ],
    });
  });

  it('is the managed gateway in prod, and either per stage from config', () => {
    prod.network.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.network.resourceCountIs('AWS::EC2::Instance', 0);
    const input = stageConfigInput('dev');
    input.nat = 'gateway';
    const devWithGateway = templatesOf('dev', { config: input });
    devWithGateway.network.resourceCountIs('AWS::EC2::NatGateway', 1);
    devWithGateway.network.resourceCountIs('AWS::EC2::Instance', 0);
  });
});

describe('security group egress', () => {
  it('lets the functions send HTTPS out and PostgreSQL to the database only', () => {
    const [sg] = Object.values(
      dev.pipeline.findResources('AWS::EC2::SecurityGroup', {
        Properties: { GroupDescription: Match.stringLikeRegexp('^market-data functions') },
      }),
    );
    expect(sg?.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: expect.any(String) },
    ]);
    const egress = Object.values(dev.pipeline.findResources('AWS::EC2::SecurityGroupEgress'));
    expect(egress.map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        DestinationSecurityGroupId: { 'Fn::ImportValue': expect.stringMatching(/DatabaseSecurityGroup/) },
      }),
    ]);
  });

  it('lets the rotation functions send HTTPS out and PostgreSQL to the database only', () => {
    const groups = dev.data.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('^market-data secret rotation') },
    });
    const [[id, sg] = []] = Object.entries(groups);
    expect(sg?.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    const egress = Object.values(dev.data.findResources('AWS::EC2::SecurityGroupEgress'));
    const databasePort = { 'Fn::GetAtt': [expect.stringMatching(/^Database/), 'Endpoint.Port'] };
    expect(egress.map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [id, 'GroupId'] },
        IpProtocol: 'tcp',
        // The instance's own port (5432), which CDK opens when it adds a rotation.
        FromPort: databasePort,
        ToPort: databasePort,
        DestinationSecurityGroupId: {
          'Fn::GetAtt': [expect.stringMatching(/^DatabaseSecurityGroup/), 'GroupId'],
        },
      }),
    ]);
    // Both rotations (the application's single-user one and the analysts' multi-user one) use it.
    const rotations = Object.values(dev.data.findResources('AWS::Serverless::Application'));
    expect(rotations).toHaveLength(2);
    for (const app of rotations) {
      expect(JSON.stringify(app.Properties.Parameters.vpcSecurityGroupIds)).toContain(id);
    }
  });

  it('lets the database send nothing', () => {
    dev.data.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^PostgreSQL'),
      // CDK's way of saying "no egress": one rule to an address that cannot exist.
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })],
    });
  });
});

describe('KMS keys', () => {
  it('exist only where they encrypt something: the alarm topic, in prod (alarmTopicKey)', () => {
    for (const templates of [dev, prod]) {
      templates.network.resourceCountIs('AWS::KMS::Key', 0);
      templates.data.resourceCountIs('AWS::KMS::Key', 0);
      templates.pipeline.resourceCountIs('AWS::KMS::Key', 0);
    }
    dev.observability.resourceCountIs('AWS::KMS::Key', 0);
    prod.observability.resourceCountIs('AWS::KMS::Key', 1);
    prod.observability.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmTopicKey'), 'Arn'] },
    });
  });
});
