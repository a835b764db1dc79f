/** Where a command writes: human text, or one JSON document for scripts (--json). */
export interface Output {
  json: boolean;
  /** A line for people; suppressed under --json. */
  info(line: string): void;
  /** The command's result: printed as JSON under --json, else rendered by `human`. */
  result<T>(value: T, human: (value: T) => string): void;
}

export function createOutput(json: boolean, stdout = process.stdout): Output {
  return {
    json,
    info: (line) => {
      if (!json) stdout.write(`${line}\n`);
    },
    result: (value, human) => {
      stdout.write(json ? `${JSON.stringify(value)}\n` : `${human(value)}\n`);
    },
  };
}

/** Left-aligned columns for terminal tables. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, String(cell).length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => String(cell).padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
