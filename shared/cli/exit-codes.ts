import { CalendarRangeError } from '#shared/calendars/index.ts';
import { ConfigError } from '#shared/config.ts';
import { JobNotFoundError, UnknownAssetError } from '#shared/db/errors.ts';
import { InputError } from '#shared/domain/errors.ts';
import { HttpConfigError } from '#shared/http/errors.ts';
import { ProviderConfigError } from '#shared/providers/errors.ts';
import { UniverseError } from '#shared/universe/universe.ts';
import { InterruptedError } from './interrupt.ts';

/**
 * The one exit-code rule of every command (README "CLI conventions", `--help`):
 * 0 done; 1 the checked or run thing is bad (stale data, schema drift, the job you ran failed, a
 * provider or database that failed mid-run); 2 bad input, an unknown id or asset, or configuration
 * (nothing was changed). Stopped by a signal: 130 / 143.
 */
export const EXIT = { done: 0, bad: 1, input: 2 } as const;

const INPUT_ERRORS = [
  InputError,
  ConfigError,
  UniverseError,
  JobNotFoundError,
  UnknownAssetError,
  ProviderConfigError,
  HttpConfigError,
  CalendarRangeError,
];

/** The exit code a command that threw `error` ends with. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InterruptedError) return error.exitCode;
  return INPUT_ERRORS.some((kind) => error instanceof kind) ? EXIT.input : EXIT.bad;
}

export const EXIT_CODES_HELP = `Exit codes (every command):
  0  done
  1  the checked or run thing is bad: data is stale, the schema drifted, the job you ran failed
  2  bad input, an unknown job id or asset, or configuration: nothing was changed
  130, 143  stopped by Ctrl-C (SIGINT) or SIGTERM: unfinished tasks were recorded as interrupted;
            resume with backfill --retry-failed ID (a second Ctrl-C quits at once)`;
