import type { Log } from '#shared/domain/ports.ts';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  context?: Record<string, unknown>;
}

export interface RecordingLog extends Log {
  readonly entries: LogEntry[];
  /** Every entry as one JSON string, to assert that something (a secret) never appears in the log. */
  text(): string;
}

/** A Log that keeps its entries in memory, so a test can assert what was logged and what never was. */
export function recordingLog(): RecordingLog {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (message: string, context?: Record<string, unknown>) => {
    entries.push({ level, message, context });
  };
  return {
    entries,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => JSON.stringify(entries),
  };
}
