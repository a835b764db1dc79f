/** A line of progress that updates in place on a terminal. */
export interface StatusLine {
  update(text: string): void;
  /** Erases the line on a terminal so what follows starts clean; a no-op elsewhere. */
  done(): void;
}

/**
 * On a terminal, the line is rewritten in place (carriage return, erase line) and erased by done().
 * Anywhere else (a pipe, a log file) a carriage return would be a stray character: each new state is
 * written once, as a whole line.
 */
export function createStatusLine(
  stream: { isTTY?: boolean; write(text: string): unknown } = process.stderr,
): StatusLine {
  let last: string | undefined;
  return {
    update(text) {
      if (stream.isTTY) stream.write(`\r\x1b[2K${text}`);
      else if (text !== last) stream.write(`${text}\n`);
      last = text;
    },
    done() {
      if (stream.isTTY && last !== undefined) stream.write('\r\x1b[2K');
      last = undefined;
    },
  };
}
