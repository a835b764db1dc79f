import cliProgress from 'cli-progress';

export interface ExportProgress {
  /** `rows` bars written so far; `waitingFor` names what the export waits on now. */
  update(rows: number, waitingFor: string): void;
  stop(): void;
}

const FORMAT = ' {bar} {percentage}% | {value}/{total} bars | {waitingFor} | ETA {eta_formatted}';

/**
 * A bar of exported bars against the total counted before, on stderr, for a person at a terminal
 * only (no bar under --json or when stderr is piped).
 */
export function exportProgress(enabled: boolean, total: number): ExportProgress {
  if (!enabled || !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: FORMAT, stream: process.stderr, etaBuffer: 50, hideCursor: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { waitingFor: 'starting' });
  return {
    update: (rows, waitingFor) => bar.update(rows, { waitingFor }),
    stop: () => bar.stop(),
  };
}
