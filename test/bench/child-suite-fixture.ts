import { ownPeakRssMb } from './child-suite.ts';
import type { Suite } from './harness.ts';

/** Suites for child-suite.test.ts: one that logs and answers with its own process's figures, one that fails. */
export const answeringSuite: Suite = async (log) => {
  log('answering: working');
  return { pid: process.pid, peakRssMb: ownPeakRssMb() };
};

export const failingSuite: Suite = async () => {
  throw new Error('failing: the database is gone');
};
