import { createSql, type Sql } from '#shared/db/client.ts';

const SAMPLE_EVERY_MS = 100;

/** The highest value `read` returned since the last `takePeak`, sampled every 100 ms. */
export interface PeakSampler {
  /** The peak since the previous call (or the start), then starts a new period. */
  takePeak(): number;
  /** Stops sampling; returns the peak of the last period. */
  stop(): Promise<number>;
}

/**
 * Samples `read` every 100 ms without overlapping itself (a slow read skips ticks rather than piling up).
 * A failed read is rethrown by `stop`: a sampler that silently stopped would report a peak too low.
 */
export function startPeakSampler(read: () => number | Promise<number>): PeakSampler {
  let peak = 0;
  let failure: unknown;
  let busy: Promise<void> | undefined;
  const sample = async () => {
    try {
      peak = Math.max(peak, await read());
    } catch (error) {
      failure ??= error;
    }
  };
  const tick = () => {
    busy ??= sample().finally(() => {
      busy = undefined;
    });
  };
  tick();
  const timer = setInterval(tick, SAMPLE_EVERY_MS);
  return {
    takePeak() {
      const taken = peak;
      peak = 0;
      return taken;
    },
    async stop() {
      clearInterval(timer);
      await busy;
      await sample();
      if (failure !== undefined) throw new Error('soak: a peak sampler failed', { cause: failure });
      return peak;
    },
  };
}

/** Resident set size of this process, in bytes. */
export function startRssSampler(): PeakSampler {
  return startPeakSampler(() => process.memoryUsage().rss);
}

/**
 * Connections to `sql`'s database, counted from a client of its own (one connection, outside the pool
 * it measures, and counted too: the peak may reach pool + 1).
 */
export function startConnectionSampler(sql: Sql): PeakSampler & { close(): Promise<void> } {
  const sampler = createSql(urlOf(sql), { max: 1, applicationName: 'soak-connection-sampler' });
  const peaks = startPeakSampler(async () => {
    const [row] = await sampler<{ connections: number }[]>`
      SELECT count(*)::int AS connections FROM pg_stat_activity WHERE datname = current_database()`;
    return row?.connections ?? 0;
  });
  return { ...peaks, close: () => sampler.end({ timeout: 5 }) };
}

/**
 * The URL `sql` was created with. withBenchDatabase hands over only its pool; postgres.js keeps the
 * password at run time although its types say `null`.
 */
function urlOf(sql: Sql): string {
  const { host, port, user, database } = sql.options;
  const pass = (sql.options as { pass: unknown }).pass;
  const auth = typeof pass === 'string' ? `${user}:${encodeURIComponent(pass)}` : user;
  return `postgres://${auth}@${host[0]}:${port[0]}/${database}`;
}
