import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultProvider } from '#shared/aws/lambda-credentials.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

// The bundles alias the SDK's credential chain to this provider (infra/lambda-bundling.ts).
describe('Lambda credentials', () => {
  it('are the execution role credentials Lambda puts in the environment', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLEKEYID');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'example-session-token');

    // Act
    const credentials = await defaultProvider()();

    // Assess
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIAEXAMPLEKEYID',
      secretAccessKey: 'example-secret',
      sessionToken: 'example-session-token',
    });
  });

  it('are refused with the SDK error naming the variables when the environment has none', async () => {
    // Prepare
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);

    // Act
    const resolving = defaultProvider()();

    // Assess
    await expect(resolving).rejects.toThrow(/environment variable/i);
  });
});
