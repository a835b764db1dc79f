import { Md5 as SdkMd5, Sha256 as SdkSha256 } from '@smithy/core/checksum';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Md5, Sha256 } from '#shared/aws/lambda-checksum.ts';

// The bundles alias '@smithy/core/checksum' to this stand-in (infra/lambda-bundling.ts); it must give
// the digests the SDK's own classes give, for every input the clients hand it.
const seed = Date.now();
const chunks = fc.array(fc.oneof(fc.string(), fc.uint8Array()), { maxLength: 5 });
const secret = fc.option(fc.oneof(fc.string(), fc.uint8Array()), { nil: undefined });

async function digestOf(
  hash: { update(d: string | Uint8Array): void; digest(): Promise<Uint8Array> },
  data: (string | Uint8Array)[],
) {
  for (const chunk of data) hash.update(chunk);
  return Buffer.from(await hash.digest()).toString('hex');
}

describe('the checksum stand-in of the Lambda bundles', () => {
  it(`hashes and HMACs with SHA-256 as the SDK does (fast-check seed ${seed})`, async () => {
    await fc.assert(
      fc.asyncProperty(chunks, secret, async (data, key) => {
        // Act
        const ours = await digestOf(new Sha256(key), data);
        const sdks = await digestOf(new SdkSha256(key), data);

        // Assess
        expect(ours).toBe(sdks);
      }),
      { seed },
    );
  });

  it(`hashes with MD5 as the SDK does (fast-check seed ${seed})`, async () => {
    await fc.assert(
      fc.asyncProperty(chunks, async (data) => {
        expect(await digestOf(new Md5(), data)).toBe(await digestOf(new SdkMd5(), data));
      }),
      { seed },
    );
  });

  it('reads a plain digest more than once and starts over on reset', async () => {
    // Prepare
    const hash = new Sha256();
    hash.update('market');

    // Act
    const first = await hash.digest();
    const again = await hash.digest();
    hash.reset();
    const empty = await hash.digest();

    // Assess
    expect(again).toEqual(first);
    expect(Buffer.from(empty).toString('hex')).toBe(await digestOf(new SdkSha256(), []));
  });

  it('refuses to update an HMAC that was already read', async () => {
    // Prepare
    const hmac = new Sha256('key');
    hmac.update('a');
    await hmac.digest();

    // Act
    const updating = () => hmac.update('b');

    // Assess
    expect(updating).toThrow(/reset\(\) it before updating/);
  });
});
