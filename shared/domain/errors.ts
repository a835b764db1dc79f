/**
 * A request (backfill payload, CLI flag, scheduler event, queue message) that cannot be carried out as
 * given. The message is one line that says what to fix; nothing was written when it is thrown.
 */
export class InputError extends Error {
  override name = 'InputError';
}
