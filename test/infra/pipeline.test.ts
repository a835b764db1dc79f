import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadStageConfig } from '#infra/config.ts';
import { hashMigrations } from '#infra/constructs/schema-migration.ts';
import { migrationsDir } from '#infra/paths.ts';
import { lambdaEnv } from '#shared/aws/lambda-env.ts';
import { deployedEnvOf, envKeysOf, templatesOf } from './cdk-app.ts';

const dev = templatesOf('dev');
const prod = templatesOf('prod');

// Template.findResources's own value type: CloudFormation JSON, checked by the assertions below.
type Resource = ReturnType<Template['findResources']>[string];

/** The one resource of `type` whose properties match `props`, with its logical id. */
function only(template: Template, type: string, props: object = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, { Properties: props }));
  expect(found, `${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

const fn = (template: Template, name: string) =>
  only(template, 'AWS::Lambda::Function', { FunctionName: `market-data-dev-${name}` });

/** The actions the role of a function may perform, over all statements of its policies. */
function actionsOf(template: Template, functionName: string): string[] {
  const [, resource] = fn(template, functionName);
  const roleId = resource.Properties.Role['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId),
  );
  return policies.flatMap((p) =>
    p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()),
  );
}

describe('the Yahoo User-Agent', () => {
  it('reaches the ingest function from -c yahooUserAgent, and nothing else', () => {
    const withAgent = templatesOf('dev', { context: { yahooUserAgent: 'acme-quant/1.0 (ops@example.com)' } });
    const env = deployedEnvOf(withAgent.pipeline, 'market-data-dev-ingest');
    expect(lambdaEnv(envKeysOf('ingest') as never, env)).toMatchObject({
      YAHOO_USER_AGENT: 'acme-quant/1.0 (ops@example.com)',
    });
    expect(deployedEnvOf(dev.pipeline, 'market-data-dev-ingest')).not.toHaveProperty('YAHOO_USER_AGENT');
    expect(deployedEnvOf(withAgent.pipeline, 'market-data-dev-collect')).not.toHaveProperty(
      'YAHOO_USER_AGENT',
    );
  });

  it('is refused in one line when it could not be a header', () => {
    expect(() => loadStageConfig('dev', undefined, { yahooUserAgent: 'a\nb' })).toThrow(
      'stage dev: yahooUserAgent: yahooUserAgent must be 1-300 printable ASCII characters, e.g. -c yahooUserAgent="acme-quant/1.0"',
    );
  });
});

describe('functions', () => {
  it.each(['collect', 'backfill', 'ingest', 'dlq', 'freshness', 'reaper', 'migrate'])(
    '%s gets every environment variable its handler validates at cold start',
    (name) => {
      const keys = envKeysOf(name);
      expect(keys).toContain('DB_SECRET_ARN');
      expect(() =>
        lambdaEnv(keys as never, deployedEnvOf(dev.pipeline, `market-data-dev-${name}`)),
      ).not.toThrow();
    },
  );

  it.each(['collect', 'backfill', 'ingest', 'dlq', 'freshness', 'reaper', 'migrate'])(
    '%s runs Node 22 on ARM64 with source maps and Powertools settings, in the VPC',
    (name) => {
      const [, resource] = fn(dev.pipeline, name);
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
        VpcConfig: {
          SecurityGroupIds: [{ 'Fn::GetAtt': [expect.stringMatching(/^FunctionSecurityGroup/), 'GroupId'] }],
        },
        Environment: {
          Variables: expect.objectContaining({
            STAGE: 'dev',
            LOG_LEVEL: 'DEBUG',
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'market-data-dev',
            POWERTOOLS_METRICS_NAMESPACE: 'MarketData',
            DB_SECRET_ARN: expect.anything(),
            // TLS to RDS verifies chain and name against the CAs the Lambda runtime carries.
            DB_TLS: 'verify-full',
            NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
          }),
        },
      });
    },
  );

  it('each has a log group with the stage retention', () => {
    dev.pipeline.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { LogGroupName: Match.stringLikeRegexp('^/aws/lambda/market-data-dev-'), RetentionInDays: 14 },
      7,
    );
    prod.pipeline.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/market-data-prod-ingest',
      RetentionInDays: 90,
    });
  });

  it('migrate gets the database and the bundled migrations, nothing else', () => {
    const [, migrate] = fn(dev.pipeline, 'migrate');
    expect(Object.keys(migrate.Properties.Environment.Variables)).not.toContain('INGEST_QUEUE_URL');
    expect(migrate.Properties.Environment.Variables.MIGRATIONS_DIR).toBe('/var/task/migrations');
    expect(actionsOf(dev.pipeline, 'migrate')).toEqual(
      expect.not.arrayContaining(['sqs:SendMessage', 'events:PutEvents']),
    );
  });

  it.each(['dlq', 'reaper'])(
    // The reaper may still send to its failed-invocations destination; no grant names the ingest queue.
    "%s, which sends no task, is not given the ingest queue's URL",
    (name) => {
      const [, handler] = fn(dev.pipeline, name);
      expect(Object.keys(handler.Properties.Environment.Variables)).not.toContain('INGEST_QUEUE_URL');
    },
  );

  it('ingest may re-send a waiting task to its own queue and postpone a retried message', () => {
    const actions = actionsOf(dev.pipeline, 'ingest');
    expect(actions).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 'sqs:ChangeMessageVisibility', 'events:PutEvents']),
    );
    const [queueId] = only(dev.pipeline, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
    const [, ingest] = fn(dev.pipeline, 'ingest');
    const roleId = ingest.Properties.Role['Fn::GetAtt'][0];
    const sends = Object.values(dev.pipeline.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st: { Action: string | string[] }) => [st.Action].flat().includes('sqs:SendMessage'));
    expect(sends.map((st: { Resource: unknown }) => st.Resource)).toEqual([
      { 'Fn::GetAtt': [queueId, 'Arn'] },
    ]);
  });

  it('collect, backfill and freshness may enqueue tasks', () => {
    for (const name of ['collect', 'backfill', 'freshness']) {
      expect(actionsOf(dev.pipeline, name)).toEqual(
        expect.arrayContaining(['sqs:SendMessage', 'events:PutEvents']),
      );
    }
  });

  it('reserves concurrency for ingest in prod only', () => {
    expect(fn(dev.pipeline, 'ingest')[1].Properties.ReservedConcurrentExecutions).toBeUndefined();
    prod.pipeline.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'market-data-prod-ingest',
      ReservedConcurrentExecutions: 5,
    });
  });
});

describe('queues', () => {
  it('dead-letters an ingest message after 5 receives, with a visibility of 6x the ingest timeout', () => {
    const [, ingest] = fn(dev.pipeline, 'ingest');
    const [, queue] = only(dev.pipeline, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
    expect(queue.Properties).toMatchObject({
      MessageRetentionPeriod: 4 * 86_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * ingest.Properties.Timeout);
  });

  it('keeps dead letters 14 days, longer than the ingest queue keeps messages', () => {
    dev.pipeline.resourcePropertiesCountIs(
      'AWS::SQS::Queue',
      { MessageRetentionPeriod: 14 * 86_400, SqsManagedSseEnabled: true },
      3, // ingest DLQ, scheduler DLQ and the failed-invocations queue
    );
  });

  it('refuses requests without TLS on every queue', () => {
    dev.pipeline.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      4,
    );
  });

  it('feeds ingest and the dlq function in batches of 10 with partial batch responses and bounded concurrency', () => {
    const mapping = (functionRef: RegExp, maximumConcurrency: number) =>
      dev.pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: Match.stringLikeRegexp(functionRef.source) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: maximumConcurrency },
      });
    mapping(/^IngestFunction/, 2);
    mapping(/^DlqFunction/, 2);
    prod.pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^IngestFunction') },
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });
});

describe('events', () => {
  it('has a custom bus whose market-data events are archived for 30 days', () => {
    dev.pipeline.hasResourceProperties('AWS::Events::EventBus', { Name: 'market-data-dev' });
    dev.pipeline.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['market-data'] },
      RetentionDays: 30,
    });
  });
});

describe('schedules', () => {
  it.each([
    ['XNYS', 'cron(30 18 ? * MON-FRI *)', 'America/New_York', { calendar: 'XNYS' }],
    ['XKRX', 'cron(0 18 ? * MON-FRI *)', 'Asia/Seoul', { calendar: 'XKRX' }],
    ['crypto', 'cron(30 0 * * ? *)', 'Etc/UTC', { calendar: '24/7' }],
    ['freshness', 'cron(0 2 * * ? *)', 'Etc/UTC', {}],
  ])('runs %s at %s in %s with the payload its handler validates', (_, expression, timeZone, payload) => {
    dev.pipeline.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: timeZone,
      Target: Match.objectLike({
        Input: JSON.stringify(payload),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerDlq'), 'Arn'] } },
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 3 }),
      }),
    });
  });
});

describe('the reaper', () => {
  it('runs every 30 minutes with the payload its handler validates, retried and dead-lettered like the rest', () => {
    const [, schedule] = only(dev.pipeline, 'AWS::Scheduler::Schedule', { Name: 'market-data-dev-reaper' });
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(30 minutes)',
      Target: {
        Arn: { 'Fn::GetAtt': [fn(dev.pipeline, 'reaper')[0], 'Arn'] },
        Input: JSON.stringify({}),
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^SchedulerDlq/), 'Arn'] } },
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: 3 }),
      },
    });
  });

  it('may read the database and publish job ends, and may only send its own failures to a queue', () => {
    const actions = actionsOf(dev.pipeline, 'reaper');
    expect(actions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'events:PutEvents']));
    // The on-failure destination's grant (FailedInvocations); nothing that reads or sends tasks.
    expect(actions.filter((a) => a.startsWith('sqs:')).sort()).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });
});

describe('schema migration', () => {
  it('runs the migrate function with a hash of migrations/, so a changed migration runs on deploy', () => {
    const [, migration] = only(dev.pipeline, 'Custom::SchemaMigration');
    expect(migration.Properties.MigrationsHash).toBe(hashMigrations(migrationsDir));
    expect(migration.Properties.MigrationsHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('waits for the security-group rule that lets the functions reach PostgreSQL', () => {
    const [, migration] = only(dev.pipeline, 'Custom::SchemaMigration');
    const [ingressId] = only(dev.pipeline, 'AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      ToPort: 5432,
    });
    expect(migration.DependsOn).toContain(ingressId);
  });

  it('comes before every schedule, queue consumer and function that touches the schema', () => {
    const [migrationId] = only(dev.pipeline, 'Custom::SchemaMigration');
    const dependents = [
      ...Object.values(dev.pipeline.findResources('AWS::Scheduler::Schedule')),
      ...Object.values(dev.pipeline.findResources('AWS::Lambda::EventSourceMapping')),
      ...['collect', 'backfill', 'ingest', 'dlq', 'freshness', 'reaper'].map(
        (name) => fn(dev.pipeline, name)[1],
      ),
    ];
    expect(dependents).toHaveLength(5 + 2 + 6);
    for (const resource of dependents) expect(resource.DependsOn).toContain(migrationId);
  });
});
