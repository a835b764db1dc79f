import type { FileHandle } from 'node:fs/promises';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { BarSink } from './export-formats.ts';

/** Rows per row group: a reader's unit of work, and the most this writer holds in memory. */
export const PARQUET_ROW_GROUP_ROWS = 100_000;

type Schema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];
const DOUBLES = ['open', 'high', 'low', 'close', 'volume', 'factor'] as const;

/**
 * Typed columns: symbol and source UTF-8 strings, session_date a DATE (days since 1970-01-01), prices,
 * volume (fractional for crypto) and factor DOUBLE: the double nearest the stored decimal, which is
 * what pandas, polars and DuckDB compute with anyway. Every column is required (never null).
 */
const SCHEMA: Schema = [
  { name: 'root', num_children: 3 + DOUBLES.length },
  { name: 'symbol', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  {
    name: 'session_date',
    type: 'INT32',
    converted_type: 'DATE',
    logical_type: { type: 'DATE' },
    repetition_type: 'REQUIRED',
  },
  { name: 'source', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  ...DOUBLES.map((name) => ({ name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
];

const DAY_MS = 86_400_000;

/** A Parquet file written one row group at a time: each group is encoded and on disk before the next. */
export function parquetSink(file: FileHandle): BarSink {
  const bytes = new ByteWriter(1 << 20);
  // hyparquet-writer calls flush after each row group and awaits it before encoding the next.
  const drain = async () => {
    const chunk = new Uint8Array(bytes.buffer, 0, bytes.index).slice();
    bytes.index = 0;
    await file.write(chunk);
  };
  Object.assign(bytes, { flush: drain, finish: drain });
  const writer = new ParquetWriter({ writer: bytes, schema: SCHEMA, createdBy: 'market-data-pipeline' });
  let group = emptyGroup();

  const writeGroup = async () => {
    if (group.symbol.length === 0) return;
    const columnData = Object.entries(group).map(([name, data]) => ({ name, data }));
    const rows = group.symbol.length;
    group = emptyGroup();
    await writer.write({ columnData, rowGroupSize: rows });
  };
  return {
    write: async (bars) => {
      for (const b of bars) {
        group.symbol.push(b.symbol);
        group.session_date.push(Date.parse(`${b.sessionDate}T00:00:00Z`) / DAY_MS);
        group.source.push(b.source);
        for (const name of DOUBLES) group[name].push(Number(b[name]));
        if (group.symbol.length >= PARQUET_ROW_GROUP_ROWS) await writeGroup();
      }
    },
    finish: async () => {
      await writeGroup();
      await writer.finish();
    },
  };
}

function emptyGroup() {
  return {
    symbol: [] as string[],
    session_date: [] as number[],
    source: [] as string[],
    open: [] as number[],
    high: [] as number[],
    low: [] as number[],
    close: [] as number[],
    volume: [] as number[],
    factor: [] as number[],
  };
}
