import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addMarketDataStacks } from '#infra/app.ts';
import { deploymentEnvironment, StageConfigError } from '#infra/config.ts';

// The CDK app (cdk.json: node --import tsx bin/app.ts). Stage: -c stage=dev|prod (cdk.json: dev).
const app = new App();
try {
  addMarketDataStacks(
    app,
    deploymentEnvironment((key) => app.node.tryGetContext(key)),
  );
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  console.error(`market-data: ${error.message}`);
  process.exit(2);
}
// Every AwsSolutions finding fails synth unless acknowledged next to its resource, with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
