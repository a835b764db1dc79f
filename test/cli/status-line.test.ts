import { describe, expect, it } from 'vitest';
import { createStatusLine } from '#shared/cli/status-line.ts';

function stream(isTTY: boolean) {
  let written = '';
  return { isTTY, write: (text: string) => (written += text), written: () => written };
}

describe('the jobs --watch status line', () => {
  it('writes each new state once as a whole line, with no carriage return, when not on a terminal', () => {
    const out = stream(false);
    const line = createStatusLine(out);
    line.update('job 1: running 10 %');
    line.update('job 1: running 10 %');
    line.update('job 1: running 50 %');
    line.done();
    expect(out.written()).toBe('job 1: running 10 %\njob 1: running 50 %\n');
  });

  it('rewrites the line in place on a terminal and erases it at the end, so the result starts clean', () => {
    const out = stream(true);
    const line = createStatusLine(out);
    line.update('job 1: running 10 %');
    line.update('job 1: running 50 %');
    line.done();
    expect(out.written()).toBe('\r\x1b[2Kjob 1: running 10 %\r\x1b[2Kjob 1: running 50 %\r\x1b[2K');
  });
});
