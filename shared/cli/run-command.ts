import type { Command } from 'commander';
import { type Config, loadConfig } from '#shared/config.ts';
import { cleanText } from '#shared/domain/text.ts';
import { exitCodeOf } from './exit-codes.ts';
import { SIGNAL_EXIT_CODES, stopSignalReceived } from './interrupt.ts';
import { createOutput, type Output } from './output.ts';

/**
 * Wraps a command's action: parse the configuration, run, and map any error to one line on stderr
 * and the exit code of the rule in exit-codes.ts. Config is read only when a command runs, so
 * `--help` and usage errors need neither a valid environment nor the universe file.
 */
export function run<F>(action: (config: Config, out: Output, flags: F) => Promise<number>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const flags = {
      ...command.optsWithGlobals(),
      id: typeof args[0] === 'string' ? args[0] : undefined,
    } as F & { json: boolean };
    const out = createOutput(flags.json);
    const name = commandPath(command);
    try {
      process.exitCode = await action(loadConfig(), out, flags);
      const stoppedBy = stopSignalReceived();
      if (stoppedBy) process.exitCode = SIGNAL_EXIT_CODES[stoppedBy];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const line = cleanText(message.split('\n')[0] ?? '', 1_000); // may quote provider or DB text
      // Use cases already name themselves ("backfill: ..."): don't say it twice.
      const named = [name, command.name()].some((n) => line.startsWith(`${n}:`));
      process.stderr.write(`${named ? line : `${name}: ${line}`}\n`);
      process.exitCode = exitCodeOf(error);
    }
  };
}

/** "jobs cancel", "db check": the command's words after the program name. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
