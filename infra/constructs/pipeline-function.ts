import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  type ICommandHooks,
  NodejsFunction,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { type HandlerName, LAMBDA_BUNDLING, LAMBDA_NODE_OPTIONS } from '../lambda-bundling.ts';
import { handlerEntry, lockFile, repoRoot } from '../paths.ts';
import { METRICS_NAMESPACE, serviceName } from './pipeline-metrics.ts';

export type { HandlerName } from '../lambda-bundling.ts';

export interface PipelineFunctionProps {
  readonly handler: HandlerName;
  readonly config: StageConfig;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  /** Omit for a function that needs neither the database nor the VPC (the notifier). */
  readonly network?: { readonly vpc: ec2.IVpc; readonly securityGroup: ec2.ISecurityGroup };
  readonly reservedConcurrentExecutions?: number;
  /** Extra environment beyond what the `uses*` methods add. */
  readonly environment?: Record<string, string>;
  /** Copies migrations/*.sql into the bundle (the migrate function reads them at MIGRATIONS_DIR). */
  readonly bundleMigrations?: boolean;
}

/** The Amazon CA certificates (RDS's among them) that the Lambda Node.js runtime ships. */
export const LAMBDA_RUNTIME_CA_CERTS = '/var/runtime/ca-cert.pem';

/** Where the migrate function finds the SQL files copied by `bundleMigrations`. */
export const BUNDLED_MIGRATIONS_DIR = '/var/task/migrations';

const copyMigrations: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [
    `mkdir -p "${outputDir}/migrations"`,
    `cp "${inputDir}"/migrations/*.sql "${outputDir}/migrations/"`,
  ],
};

/**
 * Every Lambda of the pipeline: ARM64, Node 22, ESM bundled locally by esbuild (no Docker), source maps,
 * no X-Ray (see `tracing`), its own log group with retention, and a role that starts empty. Access is added only through
 * the `uses*` methods, each of which grants one thing and sets the environment variable that goes with it.
 */
export class PipelineFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    const { config, handler, network } = props;
    const functionName = `market-data-${config.stage}-${handler}`;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${functionName}`,
      // The schema only admits values that are members of RetentionDays.
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // An own role instead of the default one: the default attaches AWSLambdaBasicExecutionRole, which
    // may write to every log group in the account.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName} execution role`,
      inlinePolicies: network ? { 'vpc-network-interfaces': vpcNetworkInterfacePolicy() } : undefined,
    });
    super(scope, id, {
      functionName,
      description: props.description,
      entry: handlerEntry(handler),
      projectRoot: repoRoot,
      depsLockFilePath: lockFile,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      // Off, not traced with Powertools Tracer: active tracing without instrumentation recorded only the
      // invocation segment, and instrumenting the SDK and postgres.js calls means aws-xray-sdk-core
      // (CJS, with its own dependencies) in every bundle and on every cold start, against the size and
      // import-time budget of issue 12. The Lambda metrics, the EMF metrics and the structured logs
      // (each with its request id) already locate a slow or failing call; turn it on together with
      // Tracer if a latency question needs a per-call breakdown.
      tracing: Tracing.DISABLED,
      logGroup,
      role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...(network && {
        vpc: network.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [network.securityGroup],
      }),
      environment: {
        STAGE: config.stage,
        LOG_LEVEL: config.logLevel,
        POWERTOOLS_SERVICE_NAME: serviceName(config.stage),
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        ...(props.bundleMigrations && { MIGRATIONS_DIR: BUNDLED_MIGRATIONS_DIR }),
        ...props.environment,
      },
      // LAMBDA_BUNDLING in NodejsFunction's terms (the benchmark and the bundle test use it as is).
      bundling: {
        format: LAMBDA_BUNDLING.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
        target: LAMBDA_BUNDLING.target,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        banner: LAMBDA_BUNDLING.banner,
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: LAMBDA_BUNDLING.sourcemap,
        sourceMapMode: SourceMapMode.DEFAULT, // esbuild's `--sourcemap`: a linked index.mjs.map
        sourcesContent: LAMBDA_BUNDLING.sourcesContent,
        bundleAwsSDK: true,
        externalModules: [...LAMBDA_BUNDLING.external],
        // NodejsFunction has no alias option; CDK renders each item as esbuild's `--alias:<from>=<to>`.
        esbuildArgs: {
          '--alias': Object.entries(LAMBDA_BUNDLING.alias).map(([from, to]) => `${from}=${to}`),
          '--legal-comments': LAMBDA_BUNDLING.legalComments,
        },
        ...(props.bundleMigrations && { commandHooks: copyMigrations }),
      },
    });
    logGroup.grantWrite(role);
    if (network) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only the network-interface actions Lambda needs to attach to the subnets use "*" (the same set as ' +
          'AWSLambdaVPCAccessExecutionRole, minus logs); EC2 supports no resource ARNs for them at creation.',
      });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to Node.js 22, the runtime the code and its dependencies (middy 7, Powertools 2) are tested ' +
        'on; moving to Node.js 24 is a deliberate upgrade with its own test run, not a synth-time default.',
    });
  }

  /**
   * Reads the RDS-generated secret (host, port, username, password, dbname): DB_SECRET_ARN. TLS to RDS
   * verifies the chain and the endpoint name (DB_TLS=verify-full) against the RDS CAs that the Lambda
   * Node.js runtime carries in /var/runtime/ca-cert.pem; since Node.js 20 the runtime no longer loads
   * them by default, so NODE_EXTRA_CA_CERTS adds them to Node's store (no bundle to ship or update).
   */
  usesDatabase(secret: ISecret): this {
    secret.grantRead(this);
    this.addEnvironment('DB_SECRET_ARN', secret.secretArn);
    this.addEnvironment('DB_TLS', 'verify-full');
    this.addEnvironment('NODE_EXTRA_CA_CERTS', LAMBDA_RUNTIME_CA_CERTS);
    return this;
  }

  /** Sends task messages to the ingest queue: INGEST_QUEUE_URL. */
  usesIngestQueue(queue: IQueue): this {
    queue.grantSendMessages(this);
    this.addEnvironment('INGEST_QUEUE_URL', queue.queueUrl);
    return this;
  }

  /** Publishes JobFinished / MarketSessionComplete: EVENT_BUS_NAME. */
  usesEventBus(bus: IEventBus): this {
    bus.grantPutEventsTo(this);
    this.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
    return this;
  }

  /** Reads the Discord webhook URL to send alerts: DISCORD_WEBHOOK_SECRET_ARN. */
  usesDiscord(secret: ISecret): this {
    secret.grantRead(this);
    this.addEnvironment('DISCORD_WEBHOOK_SECRET_ARN', secret.secretArn);
    return this;
  }
}

function vpcNetworkInterfacePolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    ],
  });
}
