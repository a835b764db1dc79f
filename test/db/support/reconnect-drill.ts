import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BackfillReport, DRILL_APP, type WorkerReport } from './reconnect-protocol.ts';
import type { TlsCluster } from './tls-cluster.ts';

/** The application side: bulk upserts and small queries on one pool, or the CLI's backfill drain. */
const WORKERS = {
  'bulk upserts': fileURLToPath(new URL('./reconnect-worker.ts', import.meta.url)),
  backfill: fileURLToPath(new URL('./backfill-worker.ts', import.meta.url)),
};
export type DrillWork = keyof typeof WORKERS;
/** A worker still running this long after the cut is stuck; the drill says so instead of waiting. */
const WORKER_DEADLINE_MS = 120_000;

export type ConnectionCut = 'terminate backends' | 'immediate restart' | 'fast restart';

export interface DrillResult<R = WorkerReport> {
  exitCode: number | null;
  stderr: string;
  /** undefined when the worker died or hung before reporting. */
  report?: R;
  /** Whether a COPY of the worker's was seen running when the connections were cut. */
  cutMidCopy: boolean;
  hung: boolean;
}

/**
 * Starts the worker on `databaseUrl`, waits until its bulk upserts are under way, cuts its connections
 * while a COPY is running (bounded wait for one), and collects how the worker process ended.
 */
export async function runReconnectDrill<W extends DrillWork>(
  cluster: TlsCluster,
  databaseUrl: string,
  cut: ConnectionCut,
  work: W,
): Promise<DrillResult<W extends 'backfill' ? BackfillReport : WorkerReport>> {
  type Report = W extends 'backfill' ? BackfillReport : WorkerReport;
  const child = fork(WORKERS[work], [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DRILL_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  let report: Report | undefined;
  const working = new Promise<boolean>((resolve) => {
    child.on('message', (m: { type: string; report?: Report }) => {
      if (m.type === 'working') resolve(true);
      if (m.type === 'report') report = m.report;
    });
    child.once('exit', () => resolve(false));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let cutMidCopy = false;
  if (await working) {
    cutMidCopy = await copyRunning(cluster);
    if (cut === 'terminate backends') await cluster.terminateBackends(DRILL_APP);
    else await cluster.restart(cut === 'immediate restart' ? 'immediate' : 'fast');
    if (child.connected) child.send('cut');
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), WORKER_DEADLINE_MS);
  });
  const ended = await Promise.race([exited, deadline]);
  clearTimeout(timer);
  if (ended === 'hung') {
    child.kill('SIGKILL');
    await exited;
    return { exitCode: null, stderr, report, cutMidCopy, hung: true };
  }
  return { exitCode: ended, stderr, report, cutMidCopy, hung: false };
}

/** Waits (a bounded number of polls) until one of the worker's backends is running a COPY. */
async function copyRunning(cluster: TlsCluster): Promise<boolean> {
  const admin = cluster.admin();
  try {
    for (let poll = 0; poll < 2_000; poll++) {
      const [row] = await admin`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = ${DRILL_APP} AND state = 'active' AND query LIKE 'COPY%'`;
      if ((row as { n: number }).n > 0) return true;
    }
    return false;
  } finally {
    await admin.end();
  }
}
