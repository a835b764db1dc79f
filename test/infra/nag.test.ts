import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildApp } from './cdk-app.ts';

// cdk-nag 3 reports through CDK's policy-validation plugins, not annotations, so the pack is run
// directly over the construct tree: acknowledged findings are left out, anything else is a violation.
describe.each(['dev', 'prod'] as const)('cdk-nag AwsSolutions on %s', (stage) => {
  const { app, stacks } = buildApp(stage);

  it('finds nothing that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('leaves no error annotations on any stack', () => {
    for (const stack of Object.values(stacks)) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    }
  });
});
