import type { FileHandle } from 'node:fs/promises';
import type { ExportBar } from '#shared/db/price-export.ts';
import { parquetSink } from './export-parquet.ts';

export const EXPORT_FORMATS = ['csv', 'json', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The exported columns, named as in the database (`adjusted_prices`), in this order in every format. */
export const EXPORT_COLUMNS = [
  'symbol',
  'session_date',
  'source',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'factor',
] as const;

/** Where exported bars go, batch by batch: each write is on disk (or in a row group) before the next. */
export interface BarSink {
  write(bars: readonly ExportBar[]): Promise<void>;
  finish(): Promise<void>;
}

/** A sink writing `format` to `file`. */
export function openSink(format: ExportFormat, file: FileHandle): BarSink {
  if (format === 'parquet') return parquetSink(file);
  const line = format === 'csv' ? csvLine : jsonLine;
  let started = format !== 'csv';
  return {
    write: async (bars) => {
      const header = started ? '' : `${EXPORT_COLUMNS.join(',')}\n`;
      started = true;
      await file.write(header + bars.map(line).join(''));
    },
    finish: async () => {
      if (!started) await file.write(`${EXPORT_COLUMNS.join(',')}\n`);
    },
  };
}

/** RFC 4180; numbers are PostgreSQL's numeric text, which never holds a comma or a quote. */
function csvLine(b: ExportBar): string {
  return `${csvField(b.symbol)},${b.sessionDate},${csvField(b.source)},${b.open},${b.high},${b.low},${b.close},${b.volume},${b.factor}\n`;
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * JSON Lines, one object per bar. Numbers are written as the numeric text itself (always valid JSON
 * number syntax: digits, one point, no exponent), so a reader with exact decimals gets the stored value.
 */
function jsonLine(b: ExportBar): string {
  return `{"symbol":${JSON.stringify(b.symbol)},"session_date":"${b.sessionDate}","source":${JSON.stringify(b.source)},"open":${b.open},"high":${b.high},"low":${b.low},"close":${b.close},"volume":${b.volume},"factor":${b.factor}}\n`;
}
