import { PassThrough } from 'node:stream';
import cliProgress from 'cli-progress';
import { describe, expect, it } from 'vitest';
import { describeWait, progressFormat } from '#shared/cli/progress-status.ts';
import type { RateLimitWait } from '#shared/db/task-waits.ts';

const NOW = new Date('2026-01-02T10:38:00Z');
const YAHOO: RateLimitWait = {
  provider: 'yahoo',
  until: new Date('2026-01-02T10:42:05Z'),
  reason: 'rate-limited: yahoo SPY 2024-01-02..2024-01-31: HTTP 429 Too Many Requests',
  tasks: 3,
};

/** The line a bar with `progressFormat` writes for `payload`, as a person's terminal would get it. */
function renderLine(payload: { rows: number; wait: string }): string {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (chunk: Buffer) => {
    written += chunk.toString();
  });
  const bar = new cliProgress.SingleBar({ format: progressFormat, stream, noTTYOutput: true, etaBuffer: 50 });
  bar.start(10, 4, payload);
  bar.stop();
  return written;
}

describe('the progress line', () => {
  it('names the provider, the waiting tasks and when they resume while tasks wait out a rate limit', () => {
    expect(describeWait([YAHOO], NOW)).toBe('yahoo rate-limited (3 tasks), resumes 10:42:05 UTC (in 5 min)');
  });

  it('says nothing of a wait that has passed', () => {
    expect(describeWait([YAHOO], new Date('2026-01-02T10:43:00Z'))).toBeUndefined();
  });

  it('shows the wait instead of the ETA while tasks wait, and the ETA otherwise', () => {
    const wait = describeWait([YAHOO], NOW) ?? '';
    const waiting = renderLine({ rows: 84, wait });
    expect(waiting).toContain('4/10 tasks | 84 rows | yahoo rate-limited (3 tasks), resumes 10:42:05 UTC');
    expect(waiting).not.toContain('ETA');
    expect(renderLine({ rows: 84, wait: '' })).toContain('4/10 tasks | 84 rows | ETA ');
  });
});
