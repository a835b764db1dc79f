import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Suite, SuiteResult } from './harness.ts';

const CHILD = fileURLToPath(new URL('./child-suite-main.ts', import.meta.url));

/**
 * The suite exported as `name` by `module` (a path relative to this folder), run in a node process of
 * its own: a figure such as peak RSS (`process.resourceUsage().maxRSS`, which only grows) is then the
 * suite's own, not that of every suite the bench ran before it. The child's progress lines reach `log`;
 * its last stdout line is its result.
 * @throws Error when the child fails (its own error is in the lines logged before).
 */
export function inChildProcess(module: string, name: string): Suite {
  return (log) =>
    new Promise<SuiteResult>((resolve, reject) => {
      // tsx as `npm run bench` loads it, whatever flags this process was started with.
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, module, name], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      createInterface({ input: child.stderr }).on('line', log);
      let last = '';
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.trim() !== '') last = line;
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code !== 0) {
          reject(new Error(`${name}: its child process ended with ${signal ?? `exit code ${code}`}`));
          return;
        }
        try {
          resolve(JSON.parse(last) as SuiteResult);
        } catch (error) {
          reject(new Error(`${name}: its child process printed no JSON result`, { cause: error }));
        }
      });
    });
}

/**
 * This process's peak resident set in MB since it started its program: VmHWM of /proc/self/status
 * on Linux. Not `process.resourceUsage().maxRSS`, which a child started by fork and exec inherits
 * from its parent (the forked copy counts the parent's pages), so a suite run after others would
 * report their peak. maxRSS where /proc is missing.
 */
export function ownPeakRssMb(): number {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Math.round(Number(kb) / 1024);
  } catch {
    // No procfs (macOS): the portable figure below.
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
