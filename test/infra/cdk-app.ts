import { readFileSync } from 'node:fs';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addMarketDataStacks, type MarketDataStacks } from '#infra/app.ts';
import { loadStageConfig, type StageConfigInput, type StageName } from '#infra/config.ts';
import { FUNCTION_ENV } from '#shared/aws/lambda-env.ts';

const readJson = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));
/** The feature flags and defaults of cdk.json, and the cached lookups of cdk.context.json, as the CLI passes them. */
const cliContext = { ...readJson('cdk.json').context, ...readJson('cdk.context.json') };

export const TEST_ENV = { account: '111111111111', region: 'us-east-1' };

/**
 * The app as `cdk synth -c stage=<stage>` builds it, without esbuild bundling and the built-in template
 * validation: `npm run synth` covers those, and without them building a stage takes about a second.
 */
export function buildApp(
  stage: StageName,
  options: { context?: Record<string, string>; config?: StageConfigInput } = {},
): { app: App; stacks: MarketDataStacks } {
  const app = new App({
    context: { ...cliContext, stage, 'aws:cdk:bundling-stacks': [], ...options.context },
    builtinCloudFormationValidation: false,
  });
  const config = options.config && loadStageConfig(stage, options.config);
  return { app, stacks: addMarketDataStacks(app, TEST_ENV, config) };
}

/** Templates of every stack of a stage (with extra -c context values), synthesized once. */
export function templatesOf(
  stage: StageName,
  options?: Parameters<typeof buildApp>[1],
): Record<keyof MarketDataStacks, Template> & { stacks: MarketDataStacks } {
  const { stacks } = buildApp(stage, options);
  const t = (s: Stack) => Template.fromStack(s);
  return {
    stacks,
    network: t(stacks.network),
    data: t(stacks.data),
    pipeline: t(stacks.pipeline),
    observability: t(stacks.observability),
  };
}

/** The variables a handler validates at cold start (its entry in FUNCTION_ENV). */
export function envKeysOf(handler: string): string[] {
  const keys = (FUNCTION_ENV as Record<string, readonly string[]>)[handler];
  if (keys === undefined) throw new Error(`functions/${handler}.ts has no FUNCTION_ENV entry`);
  return [...keys];
}

/** A function's environment with CloudFormation references replaced by values of the deployed shape. */
export function deployedEnvOf(template: Template, functionName: string): Record<string, string> {
  const [resource] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: functionName } }),
  );
  const variables: Record<string, unknown> = resource?.Properties.Environment.Variables ?? {};
  const example = (key: string) =>
    key.endsWith('_ARN')
      ? `arn:aws:secretsmanager:us-east-1:111111111111:secret:${key}`
      : key.endsWith('_URL')
        ? 'https://sqs.us-east-1.amazonaws.com/111111111111/queue'
        : 'market-data-dev';
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : example(key)]),
  );
}
