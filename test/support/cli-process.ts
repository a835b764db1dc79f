import { type ChildProcess, spawn } from 'node:child_process';

/** The CLI as a running process a test can signal, with its output so far and its exit. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node --import tsx bin/cli.ts ...args` with `env` over this process's environment. The embedded
 * server takes a free port (LOCAL_DB_PORT=0) unless `env` names one: test files run side by side.
 */
export function spawnCli(args: string[], env: Record<string, string | undefined>): CliProcess {
  const child = spawn('node', ['--import', 'tsx', 'bin/cli.ts', ...args], {
    // A variable given as undefined is removed (e.g. DATABASE_URL, to use the embedded server).
    env: Object.fromEntries(
      // No Discord webhook from the shell that runs the tests: a failed job must not post a real alert.
      Object.entries({
        ...process.env,
        LOG_LEVEL: 'ERROR',
        LOCAL_DB_PORT: '0',
        DISCORD_WEBHOOK_URL: undefined,
        ...env,
      }).filter(([, v]) => v !== undefined),
    ),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the CLI to its end. */
export async function runCli(args: string[], env: Record<string, string | undefined>) {
  const cli = spawnCli(args, env);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/**
 * The test timeout of a file that runs the CLI as processes (set with vi.setConfig). Starting one
 * (node, tsx, the imports) takes 2 s on a quiet machine and 5-12 s on a loaded 2-core one, and a test
 * may start several: the default 30 s is a hang guard for in-process tests, too tight for these.
 */
export const CLI_PROCESS_TEST_TIMEOUT_MS = 120_000;
