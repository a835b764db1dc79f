import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SignatureV4MultiRegion as RealSigner } from '@aws-sdk/signature-v4-multi-region';
import { Sha256 } from '@smithy/core/checksum';
import { describe, expect, it } from 'vitest';
import { SignatureV4MultiRegion, SigV4aNotBundledError } from '#shared/aws/lambda-sigv4.ts';

// The bundles alias '@aws-sdk/signature-v4-multi-region' to this stand-in (infra/lambda-bundling.ts).
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const signerOptions = { credentials, region: 'eu-west-1', service: 'events', sha256: Sha256 };
const signingDate = new Date('2026-12-01T12:00:00Z');
const request = () => ({
  method: 'POST',
  protocol: 'https:',
  hostname: 'events.eu-west-1.amazonaws.com',
  path: '/',
  headers: { host: 'events.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.1' },
  body: '{"Entries":[]}',
});

/** An EventBridge client that signs with `signer` and answers every request itself, capturing it. */
function busSigningWith(signer: unknown) {
  const sent: { headers: Record<string, string> }[] = [];
  const client = new EventBridgeClient({
    region: 'eu-west-1',
    credentials,
    signerConstructor: signer as typeof RealSigner,
    requestHandler: {
      handle: async (req: { headers: Record<string, string> }) => {
        sent.push(req);
        const body = new TextEncoder().encode('{"FailedEntryCount":0,"Entries":[]}');
        return { response: { statusCode: 200, headers: {}, body } };
      },
    },
  });
  return { client, sent };
}

describe('the SigV4 stand-in of the Lambda bundles', () => {
  it('signs a single-region request exactly as the SDK signer does', async () => {
    // Act
    const ours = await new SignatureV4MultiRegion(signerOptions).sign(request(), { signingDate });
    const sdks = await new RealSigner(signerOptions).sign(request(), { signingDate });

    // Assess
    expect(ours.headers).toEqual(sdks.headers);
  });

  it('lets the EventBridge client put events with it', async () => {
    // Prepare
    const { client, sent } = busSigningWith(SignatureV4MultiRegion);

    // Act
    const output = await client.send(
      new PutEventsCommand({ Entries: [{ Source: 'market-data', DetailType: 'x', Detail: '{}' }] }),
    );

    // Assess
    expect(output.FailedEntryCount).toBe(0);
    expect(sent[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/events\//,
    );
  });

  it('refuses to sign for every region, saying which alias to remove', async () => {
    // Act
    const signing = new SignatureV4MultiRegion(signerOptions).sign(request(), { signingRegion: '*' });

    // Assess
    await expect(signing).rejects.toThrow(SigV4aNotBundledError);
    await expect(
      new SignatureV4MultiRegion(signerOptions).sign(request(), { signingRegion: '*' }),
    ).rejects.toThrow(
      /remove the '@aws-sdk\/signature-v4-multi-region' alias from infra\/lambda-bundling.ts/,
    );
  });

  it('makes a put to a global endpoint fail with that error rather than sign it wrongly', async () => {
    // Prepare
    const { client, sent } = busSigningWith(SignatureV4MultiRegion);

    // Act
    const putting = client.send(
      new PutEventsCommand({
        EndpointId: 'abcde.veo',
        Entries: [{ Source: 's', DetailType: 'x', Detail: '{}' }],
      }),
    );

    // Assess
    await expect(putting).rejects.toThrow(SigV4aNotBundledError);
    expect(sent).toEqual([]);
  });
});
