import { InputError } from '#shared/domain/errors.ts';

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * An InputError for a zod issue, naming the CLI flag (`--retry-failed`) rather than the payload field
 * (`retryFailedOf`, `assets.0`): `flags` maps field names whose flag differs; others are kebab-cased.
 */
export function flagError(
  command: string,
  issue: ZodLikeIssue | undefined,
  flags: Record<string, string> = {},
): InputError {
  const field = String(issue?.path[0] ?? '');
  const flag = field ? (flags[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`) : '';
  const message = (issue?.message ?? 'invalid').replace(/\s+/g, ' ').slice(0, 200);
  return new InputError(`${command}: ${flag ? `${flag}: ` : ''}${message}`);
}
