import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/**
 * Stands in for `@smithy/core/checksum` in the Lambda bundles (infra/lambda-bundling.ts aliases it
 * here). The clients take from it only `Sha256` (request signing) and, for SQS, `Md5` (checking the
 * digests SQS returns for a sent message); the SDK's module also carries pure-JS fallbacks for
 * runtimes without node:crypto, blob and stream hashers and CRC32 (~6 KB of each bundle). Node's
 * crypto has both digests on Lambda. Tests and the CLI keep the real module.
 */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** A digest over node:crypto, re-readable (a plain hash is copied; an HMAC can be read once). */
class NodeChecksum {
  #hash: Hash | Hmac;
  #finished = false;

  constructor(
    private readonly algorithm: 'sha256' | 'md5',
    private readonly secret?: SourceData,
  ) {
    this.#hash = this.#create();
  }

  update(data: SourceData): void {
    if (this.#finished) throw new Error('this HMAC was already read: reset() it before updating');
    this.#hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    const hash = this.#hash;
    let buffer: Buffer;
    if ('copy' in hash) buffer = hash.copy().digest();
    else {
      this.#finished = true;
      buffer = hash.digest();
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  reset(): void {
    this.#hash = this.#create();
    this.#finished = false;
  }

  #create(): Hash | Hmac {
    // An empty string is no key, as in the SDK's own class.
    return this.secret ? createHmac(this.algorithm, bytes(this.secret)) : createHash(this.algorithm);
  }
}

/** SHA-256, or HMAC-SHA-256 with `secret`, as the SDK signs requests. */
export class Sha256 extends NodeChecksum {
  readonly digestLength = 32;
  constructor(secret?: SourceData) {
    super('sha256', secret);
  }
}

/** MD5, as the SQS client checks the digests of sent messages. */
export class Md5 extends NodeChecksum {
  readonly digestLength = 16;
  constructor() {
    super('md5');
  }
}
