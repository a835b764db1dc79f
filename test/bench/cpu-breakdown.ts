import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** Where a run's time went, in seconds of wall time: main-thread CPU by phase, and idle (waiting on I/O). */
export type Breakdown = Record<Phase, number>;
type Phase = 'fetch' | 'parse' | 'validate' | 'write' | 'bookkeeping' | 'driver' | 'gc' | 'other' | 'idle';

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
  children?: number[];
}

/** The first rule whose pattern the frame's url matches names its phase; built-ins inherit their caller's. */
const RULES: [RegExp, Phase][] = [
  [/shared\/providers\/|node_modules\/zod\//, 'parse'],
  [/shared\/validation\/|shared\/calendars\//, 'validate'],
  [/shared\/db\/price(s|-text)\.ts|shared\/usecases\/rebase\.ts/, 'write'],
  [/shared\/(db|usecases|queue|local)\//, 'bookkeeping'],
  [/node_modules\/postgres\//, 'driver'],
  // Not node:net or streams: a socket write belongs to whoever wrote, undici or postgres.js.
  [/shared\/http\/|node:internal\/deps\/undici|node:_?http/, 'fetch'],
];

/**
 * Runs `work` under the V8 sampling profiler of this thread and splits its samples into phases by the
 * innermost frame on each stack that belongs to this project, postgres.js, zod or node's HTTP stack
 * (built-ins such as JSON.parse count for their caller). `driver` is postgres.js's own work (encoding
 * queries, decoding results), for writes and bookkeeping alike: its socket callbacks have no caller.
 * `idle` is time the thread waited for PostgreSQL or the market server.
 */
export async function profiled(
  work: () => Promise<unknown>,
): Promise<{ seconds: number; breakdown: Breakdown }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1_000 });
  await session.post('Profiler.start');
  const start = process.hrtime.bigint();
  let nodes: ProfileNode[];
  try {
    await work();
  } finally {
    const stopped = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
    nodes = stopped.profile.nodes;
    // For a closer look (chrome://inspect, speedscope): BENCH_CPU_PROFILE=run.cpuprofile.
    if (process.env.BENCH_CPU_PROFILE)
      await writeFile(process.env.BENCH_CPU_PROFILE, JSON.stringify(stopped.profile));
    session.disconnect();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, breakdown: split(nodes, seconds) };
}

function split(nodes: ProfileNode[], seconds: number): Breakdown {
  const parent = new Map<number, ProfileNode>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node);
  const phaseOf = (node: ProfileNode | undefined): Phase => {
    for (let n = node; n; n = parent.get(n.id)) {
      const name = n.callFrame.functionName;
      if (name === '(idle)') return 'idle';
      if (name === '(garbage collector)') return 'gc';
      const rule = RULES.find(([pattern]) => pattern.test(n.callFrame.url));
      if (rule) return rule[1];
    }
    return 'other';
  };
  const hits: Breakdown = {
    fetch: 0,
    parse: 0,
    validate: 0,
    write: 0,
    bookkeeping: 0,
    driver: 0,
    gc: 0,
    other: 0,
    idle: 0,
  };
  let total = 0;
  for (const node of nodes) {
    const count = node.hitCount ?? 0;
    hits[phaseOf(node)] += count;
    total += count;
  }
  for (const phase of Object.keys(hits) as Phase[]) hits[phase] = total ? (hits[phase] / total) * seconds : 0;
  return hits;
}
