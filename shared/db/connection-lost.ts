/**
 * The database went away while a command used it (the server stopped, restarted or refused us): what
 * was committed stays, the rest was not written. Its message says so and what to do, in one line.
 */
export class DatabaseGoneError extends Error {
  override name = 'DatabaseGoneError';
}

/** postgres.js's own codes for a lost connection, the socket's, and the server's shutdown SQLSTATEs. */
const LOST = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOENT', // the Unix socket of a stopped server
  '57P01', // admin_shutdown: terminating connection due to administrator command
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is shutting down or starting up
]);

/** The error as a DatabaseGoneError naming `location`, when it is a lost connection; else as it is. */
export function asDatabaseGone(error: unknown, location: string): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !LOST.has(code)) return error;
  return new DatabaseGoneError(
    `the database (${location}) went away mid-run (${code}); committed work stays, run the command again (jobs reap ends what it left running)`,
    { cause: error },
  );
}
