import { RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

export interface NetworkStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * The VPC: public subnets for the NAT gateway, private subnets with egress for the functions (they call
 * Yahoo and Upbit on the internet, and Secrets Manager / SQS / EventBridge through the same NAT), and
 * isolated subnets for the database, which needs no route anywhere.
 */
/** A literal, so rules that admit the VPC can name it (a token would hide it from cdk-nag too). */
const VPC_CIDR = '10.40.0.0/16';

export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;

    const natInstances = config.nat === 'instance' ? natInstance() : undefined;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      // RDS needs subnets in two AZs even for a single-AZ instance; Multi-AZ uses both.
      maxAzs: 2,
      // One NAT in both stages: an AZ outage only delays a daily batch, and the next collect re-plans the
      // last 7 sessions, so a second would buy little for its price. Dev's is an instance (infra/config.ts).
      natGateways: config.natGateways,
      natGatewayProvider: natInstances ?? ec2.NatProvider.gateway(),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'functions', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });

    // Flow logs answer "what did this ENI talk to" during an incident; the traffic here is small.
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    if (natInstances) admitTheVpc(natInstances);
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }
}

/**
 * A t4g.nano NAT instance on Amazon Linux 2023 (ARM64; the image is resolved at deploy time, so a deploy
 * after a new AMI replaces the instance, which is how it is patched). Its security group starts with
 * outbound only: the default would admit all inbound traffic from anywhere.
 */
function natInstance(): ec2.NatInstanceProviderV2 {
  return ec2.NatProvider.instanceV2({
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
    defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
  });
}

/** Only HTTPS from inside the VPC reaches the NAT instance: all the functions send out (pipeline-stack.ts). */
function admitTheVpc(provider: ec2.NatInstanceProviderV2): void {
  provider.connections.allowFrom(
    ec2.Peer.ipv4(VPC_CIDR),
    ec2.Port.tcp(443),
    'HTTPS from the VPC to the internet',
  );
  for (const instance of provider.gatewayInstances) {
    // The provider takes no block devices: the root volume of AL2023 (/dev/xvda), encrypted.
    instance.instance.blockDeviceMappings = [
      { deviceName: '/dev/xvda', ebs: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true } },
    ];
    Validations.of(instance).acknowledge({
      id: 'AwsSolutions-EC28',
      reason:
        'Detailed monitoring costs more than this NAT instance; its CPU and network are in the default 5-minute metrics.',
    });
    Validations.of(instance).acknowledge({
      id: 'AwsSolutions-EC29',
      reason:
        'A NAT instance holds no state: CloudFormation replaces it (on a new AMI too) and nothing is lost.',
    });
  }
}
