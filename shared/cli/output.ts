import { printableText, terminalJson } from '#shared/domain/text.ts';

/** Where a command writes: human text, or one JSON document for scripts (--json). */
export interface Output {
  json: boolean;
  /** A line for people; suppressed under --json. */
  info(line: string): void;
  /** The command's result: printed as JSON under --json, else rendered by `human`. */
  result<T>(value: T, human: (value: T) => string): void;
}

/**
 * Everything printed passes through printableText or terminalJson: rows from the database hold provider
 * text (task errors, warnings, flag reasons), and an escape sequence in it must not reach the terminal.
 */
export function createOutput(
  json: boolean,
  stdout: { write(text: string): unknown } = process.stdout,
): Output {
  return {
    json,
    info: (line) => {
      if (!json) stdout.write(`${printableText(line)}\n`);
    },
    result: (value, human) => {
      stdout.write(json ? `${terminalJson(value)}\n` : `${printableText(human(value))}\n`);
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
