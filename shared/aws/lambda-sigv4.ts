import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Stands in for `@aws-sdk/signature-v4-multi-region` in the Lambda bundles (infra/lambda-bundling.ts
 * aliases it here). The EventBridge client signs every request with that package's class, which
 * hands plain SigV4 to `@smithy/signature-v4` and keeps SigV4a (signing region `*`) for global
 * endpoints (an `EndpointId` on PutEvents), which the pipeline never uses; that half is ~4 KB of
 * each bundle with the bus client. Tests and the CLI keep the real package.
 */
export class SigV4aNotBundledError extends Error {
  override name = 'SigV4aNotBundledError';
}

type SignArguments = Parameters<SignatureV4['sign']>;
type PresignArguments = Parameters<SignatureV4['presign']>;

function refuseSigV4a(options: { signingRegion?: string } | undefined): void {
  if (options?.signingRegion !== '*') return;
  throw new SigV4aNotBundledError(
    'an AWS SDK call needs SigV4a (a global endpoint), which the Lambda bundles leave out: remove the ' +
      "'@aws-sdk/signature-v4-multi-region' alias from infra/lambda-bundling.ts",
  );
}

/**
 * Plain SigV4 for one region, signed by `@smithy/signature-v4` as the real class does.
 * @throws SigV4aNotBundledError when asked to sign for every region (`signingRegion: '*'`).
 */
export class SignatureV4MultiRegion {
  readonly #sigv4: SignatureV4;

  /** No SigV4a implementation: endpoint rules that offer SigV4 too fall back to it, as the SDK does. */
  static sigv4aDependency(): 'none' {
    return 'none';
  }

  constructor(options: ConstructorParameters<typeof SignatureV4>[0]) {
    this.#sigv4 = new SignatureV4(options);
  }

  async sign(...[request, options]: SignArguments): ReturnType<SignatureV4['sign']> {
    refuseSigV4a(options);
    return this.#sigv4.sign(request, options);
  }

  async presign(...[request, options]: PresignArguments): ReturnType<SignatureV4['presign']> {
    refuseSigV4a(options);
    return this.#sigv4.presign(request, options);
  }
}
