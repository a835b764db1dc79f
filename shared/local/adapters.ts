import type { Sql } from '#shared/db/client.ts';
import { insertDomainEvents } from '#shared/db/domain-events.ts';
import type { EventPublisher, Log, MetricName, Metrics } from '#shared/domain/ports.ts';

type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const ORDER: Record<Level, number> = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 };

/** JSON lines on stderr (stdout stays free for results and --json). */
export function createLocalLog(level: Level = 'INFO', stream: NodeJS.WritableStream = process.stderr): Log {
  const write = (lvl: Level, message: string, context?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    stream.write(`${JSON.stringify({ level: lvl, time: new Date().toISOString(), message, ...context })}\n`);
  };
  return {
    info: (m, c) => write('INFO', m, c),
    warn: (m, c) => write('WARN', m, c),
    error: (m, c) => write('ERROR', m, c),
  };
}

/** Metrics counted in memory, for the CLI's summary and for tests. */
export class TallyMetrics implements Metrics {
  readonly totals = new Map<string, number>();
  add(name: MetricName, value: number, dimensions: Record<string, string> = {}): void {
    const key = [name, ...Object.entries(dimensions).map(([k, v]) => `${k}=${v}`)].join(' ');
    this.totals.set(key, (this.totals.get(key) ?? 0) + value);
  }
  get(name: MetricName): number {
    let sum = 0;
    for (const [key, value] of this.totals) if (key === name || key.startsWith(`${name} `)) sum += value;
    return sum;
  }
}

/** Locally, domain events go to the log and the domain_events table. */
export function createDatabaseEventPublisher(sql: Sql, log: Log): EventPublisher {
  return {
    async publish(events) {
      await insertDomainEvents(sql, events);
      for (const e of events) log.info(`event ${e.type}`, e.detail as Record<string, unknown>);
    },
  };
}
