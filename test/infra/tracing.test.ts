import { describe, expect, it } from 'vitest';
import { templatesOf } from './cdk-app.ts';

// Tracing is off on purpose (infra/constructs/pipeline-function.ts: Powertools Tracer would put
// aws-xray-sdk-core into every bundle); these pin that choice, so turning it on is a deliberate change.
describe.each(['dev', 'prod'] as const)('X-Ray on %s', (stage) => {
  const templates = templatesOf(stage);
  const stacks = [templates.network, templates.data, templates.pipeline, templates.observability];

  it('is active on no function', () => {
    const modes = stacks.flatMap((t) =>
      Object.values(t.findResources('AWS::Lambda::Function')).map((f) => f.Properties.TracingConfig?.Mode),
    );
    expect(modes.length).toBeGreaterThan(0);
    expect(modes.filter((mode) => mode !== undefined && mode !== 'PassThrough')).toEqual([]);
  });

  it('is granted to no role', () => {
    const actions = stacks.flatMap((t) =>
      Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) =>
        p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) =>
          [s.Action].flat(),
        ),
      ),
    );
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action: string) => action.startsWith('xray:'))).toEqual([]);
  });
});
