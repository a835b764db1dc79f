import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULED_EVENTS, scheduledEvent } from './support/aws-events.ts';
import { resetAws, secrets } from './support/aws-mocks.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

// The functions read their secrets with GetSecretValue (shared/aws/lambda-secrets.ts).
let fn: LambdaInstance<'reaper'>;
beforeAll(async () => {
  resetAws();
  fn = await coldStart('reaper');
});
afterAll(() => fn.dispose());

describe('a function whose database secret is not JSON', () => {
  it('fails the invocation in one line naming DB_SECRET_ARN, and connects to nothing', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: fn.dbSecretArn })
      .resolves({ ARN: fn.dbSecretArn, SecretString: 'postgres://not-a-secret' });

    // Act
    const invoking = fn.handler(scheduledEvent(SCHEDULED_EVENTS.scheduler, {}), fn.context);

    // Assess
    await expect(invoking).rejects.toThrow(
      /^secret DB_SECRET_ARN is not JSON: give it the JSON of an RDS user secret$/,
    );
    // Nothing of the secret's text travels with the error, in its message or its cause.
    const error = await invoking.catch((e: unknown) => e);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('postgres:');
    expect(String((error as Error).cause ?? '')).not.toContain('postgres:');
  });
});
