import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throwaway certificate authority and a certificate it signed. */
export interface TestCertificates {
  /** The CA's certificate: what a client trusts (`sslrootcert`). */
  caCertFile: string;
  /** A server certificate signed by the CA, for `hosts` (DNS names and IP addresses). */
  certFile: string;
  keyFile: string;
  ca: string;
  cert: string;
  key: string;
}

export interface CertificateOptions {
  /** Folder to write into (created); nothing is committed, every run makes its own. */
  dir: string;
  /** Subject alternative names of the server certificate; default `localhost` and `127.0.0.1`. */
  hosts?: string[];
  /** Common name of the CA, so two CAs made by one test can be told apart. */
  caName?: string;
}

/**
 * Makes a CA and a server certificate it signed, with the `openssl` CLI (keys are fresh each call and
 * never leave `dir`). Used for the RDS-like test cluster and for fake servers with untrusted certificates.
 * @throws Error with openssl's own message when a step fails.
 */
export async function createTestCertificates(options: CertificateOptions): Promise<TestCertificates> {
  const { dir } = options;
  const hosts = options.hosts ?? ['localhost', '127.0.0.1'];
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = (name: string) => join(dir, name);
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  await writeFile(
    path('server.ext'),
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
  );
  const openssl = (args: string[]) =>
    run('openssl', args).catch((cause: { stderr?: string }) => {
      throw new Error(`openssl ${args[0]} failed: ${cause.stderr?.trim()}`, { cause });
    });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...key,
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.crt'),
    '-days',
    '2',
    '-subj',
    `/CN=${options.caName ?? 'market-data test CA'}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl([
    'req',
    ...key,
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
    '-subj',
    `/CN=${hosts[0]}`,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.crt'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-out',
    path('server.crt'),
    '-days',
    '2',
    '-extfile',
    path('server.ext'),
  ]);
  const [ca, cert, keyPem] = await Promise.all(
    ['ca.crt', 'server.crt', 'server.key'].map((f) => readFile(path(f), 'utf8')),
  );
  return {
    caCertFile: path('ca.crt'),
    certFile: path('server.crt'),
    keyFile: path('server.key'),
    ca: ca as string,
    cert: cert as string,
    key: keyPem as string,
  };
}
