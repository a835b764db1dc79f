import { describe, expect, it } from 'vitest';
import { inChildProcess } from './child-suite.ts';

describe('inChildProcess', () => {
  it('runs the suite in a process of its own, passing its progress lines on and returning its result', async () => {
    // Prepare: this process's peak is raised well above a fresh node's.
    const ballast = Buffer.alloc(300 * 1024 * 1024, 1);
    const lines: string[] = [];

    // Act
    const result = await inChildProcess(
      './child-suite-fixture.ts',
      'answeringSuite',
    )((line) => lines.push(line));

    // Assess: the figures are the child's own, not this process's.
    expect(lines).toContain('answering: working');
    expect(result.pid).not.toBe(process.pid);
    expect(result.peakRssMb).toBeLessThan(Math.round(process.resourceUsage().maxRSS / 1024) - 200);
    expect(ballast[0]).toBe(1);
  });

  it("fails with the suite's name when the suite throws, after passing on the child's error line", async () => {
    const lines: string[] = [];
    await expect(
      inChildProcess('./child-suite-fixture.ts', 'failingSuite')((line) => lines.push(line)),
    ).rejects.toThrow('failingSuite: its child process ended with exit code 1');
    expect(lines).toContain('bench: failing: the database is gone');
  });
});
