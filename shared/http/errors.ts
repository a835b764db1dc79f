import type * as z from '#shared/domain/zod.ts';

/** HTTP client or rate budget options that cannot work (bad numbers, one provider given two rates). */
export class HttpConfigError extends Error {
  override name = 'HttpConfigError';
}

/**
 * The first few zod issues as `path: message`, on one line: short enough for an error message, a log
 * line or a task's error column.
 */
export function summariseIssues(error: z.core.$ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return shown.join('; ') + (error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '');
}
