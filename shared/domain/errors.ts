/**
 * A request (backfill payload, CLI flag, scheduler event, queue message) that cannot be carried out as
 * given. The message is one line that says what to fix; nothing was written when it is thrown.
 */
export class InputError extends Error {
  override name = 'InputError';
}

/** At most this much of a caller's input is quoted back in an error message. */
const QUOTE_MAX = 40;

/**
 * A caller's value quoted for an error message: JSON-escaped (so no line breaks, U+2028 included)
 * and cut to a bounded length, however large or strange the input.
 */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return text.length <= QUOTE_MAX ? text : `${text.slice(0, QUOTE_MAX - 1)}…`;
}

interface ZodLikeIssue {
  code?: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/** One line naming the field and the problem of a zod issue, bounded in length. */
export function describeIssue(issue: ZodLikeIssue | undefined, fallbackField = 'request'): string {
  if (!issue) return `${fallbackField}: invalid`;
  const field = issue.path.map((p) => quoteKey(String(p))).join('.') || fallbackField;
  if (issue.code === 'unrecognized_keys' && issue.keys) {
    const shown = issue.keys.slice(0, 3).map(quote).join(', ');
    const more = issue.keys.length > 3 ? ` and ${issue.keys.length - 3} more` : '';
    return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${shown}${more}`;
  }
  return `${field}: ${issue.message.replace(/\s+/g, ' ').slice(0, 200)}`;
}

function quoteKey(key: string): string {
  return /^[A-Za-z0-9_]{1,32}$/.test(key) ? key : quote(key);
}
