/**
 * Ctrl-C and SIGTERM for the CLI. While a command runs work that can stop cleanly (`stoppable`), the
 * first signal aborts that work's signal: the command stops taking tasks, records what is unfinished
 * and closes the database. A second signal, or a signal during anything else (listing jobs, watching),
 * exits at once. Exit codes follow the shell's 128 + signal number: 130 for SIGINT, 143 for SIGTERM.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export const SIGNAL_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** The command was stopped by a signal after it recorded its unfinished work. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(
    readonly signal: StopSignal,
    message: string,
  ) {
    super(message);
  }
  get exitCode(): number {
    return SIGNAL_EXIT_CODES[this.signal];
  }
}

const controller = new AbortController();
let received: StopSignal | undefined;
let stoppableRuns = 0;
const TASKS_NOTICE = 'stopping; the tasks in flight may finish, the rest are recorded as interrupted';
let stoppingNotice = TASKS_NOTICE;

/** Installs the handlers once, at start-up. */
export function handleStopSignals(stderr: NodeJS.WriteStream = process.stderr): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (received !== undefined || stoppableRuns === 0) {
        restoreTerminal(stderr);
        process.exit(SIGNAL_EXIT_CODES[received ?? signal]);
      }
      received = signal;
      stderr.write(`\n${signal}: ${stoppingNotice} (press Ctrl-C again to quit at once)\n`);
      controller.abort(signal);
    });
  }
}

/**
 * Runs `work` so that the first stop signal aborts `signal` instead of ending the process; `notice` is
 * what the signal prints (by default, what happens to the tasks in flight).
 */
export async function stoppable<T>(
  work: (signal: AbortSignal) => Promise<T>,
  notice: string = TASKS_NOTICE,
): Promise<T> {
  stoppableRuns += 1;
  stoppingNotice = notice;
  try {
    return await work(controller.signal);
  } finally {
    stoppableRuns -= 1;
  }
}

/** The signal that stopped this process, if one did. */
export function stopSignalReceived(): StopSignal | undefined {
  return received;
}

/** The progress bar hides the cursor; a process that quits mid-bar must show it again. */
function restoreTerminal(stderr: NodeJS.WriteStream): void {
  if (stderr.isTTY) stderr.write('\x1b[?25h\n');
}
