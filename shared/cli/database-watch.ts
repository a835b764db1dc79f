import type { Sql } from '#shared/db/client.ts';
import { asDatabaseGone, DatabaseGoneError } from '#shared/db/connection-lost.ts';

/** A restart or failover takes seconds (the fault drills ride out 2 s); this long means it is gone. */
const GONE_AFTER_MS = 15_000;
const CHECK_EVERY_MS = 1_000;

export interface DatabaseWatch {
  /** Aborts once the database has refused every check for GONE_AFTER_MS. */
  signal: AbortSignal;
  /** The DatabaseGoneError to report once `signal` aborted. */
  readonly gone: DatabaseGoneError | undefined;
  stop(): void;
}

/**
 * Watches the database while the CLI drains: the drain's own failures are retried through the queue
 * (minutes of redeliveries), so without this a CLI whose server was stopped would sit there. Only a
 * lost connection counts (see connection-lost.ts), and only when it lasts.
 */
export function watchDatabase(sql: Sql, location: string): DatabaseWatch {
  const controller = new AbortController();
  let failingSince: number | undefined;
  let gone: DatabaseGoneError | undefined;
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    sql`SELECT 1`
      .then(
        () => {
          failingSince = undefined;
        },
        (error: unknown) => {
          const lost = asDatabaseGone(error, location);
          if (!(lost instanceof DatabaseGoneError)) return;
          failingSince ??= Date.now();
          if (Date.now() - failingSince >= GONE_AFTER_MS && !gone) {
            gone = lost;
            controller.abort(lost);
          }
        },
      )
      .finally(() => {
        checking = false;
      });
  }, CHECK_EVERY_MS);
  timer.unref();
  return {
    signal: controller.signal,
    get gone() {
      return gone;
    },
    stop: () => clearInterval(timer),
  };
}
