import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFaultDrill } from './support/fault-drill.ts';
import type { DrillOutcome, FaultScenario } from './support/fault-scenario.ts';
import { type PrivateCluster, startPrivateCluster } from './support/private-cluster.ts';

/** What the vanished symbol's task must say: the provider's own "not found", with symbol and range. */
const NOT_FOUND =
  /^not-found: yahoo GONE 2024-10-01\.\.2025-02-28: Not Found: No data found, symbol may be delisted$/;
/** A transient fault that outlasted the ingest's attempts, or a body that could not be read. */
const GAVE_UP = /^failed: (yahoo|upbit) \S+ \S+: .+ \(gave up after \d+ attempts\)$/;
const UNREADABLE =
  /^invalid-response: (yahoo|upbit) \S+ \S+: (body is not JSON|unexpected chart shape|unexpected candle)/;

/**
 * Each scenario backfills 8 assets (9 with the vanished one) x 5 months through the local runtime
 * against a seeded market server; the seed is in the test name, and the same seed draws the same faults
 * for the same requests, so a failure reproduces. Every scenario is held to the same promises
 * (the `it`s below); the comment above each says what that scenario adds.
 */
const SCENARIOS: FaultScenario[] = [
  // Control: with no fault the drill's own accounting finds nothing to report and sends no alert.
  { name: 'no faults', seed: 101 },
  // Rate limits are waited out - Retry-After in the HTTP client, then the ingest's back-off on the
  // queue when three answers in a row were 429 - and never fail a task or lose a bar.
  {
    name: '429 storm with Retry-After',
    seed: 102,
    faults: { rate429: 0.6, retryAfterSeconds: 1 },
    runtime: { maxReceiveCount: 10 },
    injected: ['rate429'],
    requeues: true,
  },
  // 502/503 are retried by the HTTP client and then by the queue; a symbol that never recovers fails
  // once the attempts run out, saying so, and the job ends partial_failure with one alert.
  {
    name: '5xx bursts and one symbol down for good',
    seed: 103,
    faults: { rate5xx: 0.3, failingSymbols: { XOM: 503 } },
    mustFail: {
      XOM: /^failed: yahoo XOM 2024-10-01\.\.2025-02-28: HTTP 503 Service Unavailable.*\(gave up after 4 attempts\)$/,
    },
    injected: ['rate5xx', 'failingSymbol'],
    requeues: true,
  },
  // Requests that hang or answer after the provider timeout are abandoned and retried; nothing waits
  // forever and no bar is lost.
  {
    name: 'timeouts: hung requests and latency beyond the provider timeout',
    seed: 104,
    faults: { hangRate: 0.2, latencyMs: { min: 0, max: 150 } },
    runtime: { providerTimeoutMs: 100 },
    mayFail: GAVE_UP,
    injected: ['hang'],
  },
  // A 200 with a wrong-shaped or cut-off body is never stored in part: the task fails as
  // invalid-response naming the symbol, range and what was wrong.
  {
    name: 'malformed and truncated bodies',
    seed: 105,
    faults: { malformedRate: 0.15, truncatedRate: 0.15 },
    mayFail: UNREADABLE,
    injected: ['malformed', 'truncated'],
  },
  // Bars listed with no prices are dropped, never stored as rows; every real bar around them is kept.
  { name: 'all-null bars', seed: 106, faults: { nullBarRate: 0.3 }, injected: ['nullBar'] },
  // A delisted symbol fails its own task with the provider's not-found, the other tasks are unaffected.
  { name: 'a vanished symbol (404)', seed: 107, vanished: true, mustFail: { GONE: NOT_FOUND } },
  // The database restarts mid-run (stopped, down 0.3 s, started) while most fetches are in flight:
  // writes that failed are redelivered after the visibility timeout and every task ends exactly once.
  {
    name: 'database restart mid-run',
    seed: 108,
    vanished: true,
    faults: { latencyMs: { min: 200, max: 1_200 } },
    outage: { downMs: 300 },
    // 1.2 s of wall time per redelivery: 20 receives outlast a restart on a loaded machine
    runtime: { visibilityTimeoutSeconds: 240, maxReceiveCount: 20 },
    mustFail: { GONE: NOT_FOUND },
  },
  // Connections are refused for two seconds: the same recovery, over many refused attempts (each must
  // free its pool slot, or the pool ends up waiting for ever).
  {
    name: 'database refusing connections for 2 s',
    seed: 109,
    vanished: true,
    faults: { latencyMs: { min: 100, max: 600 } },
    outage: { downMs: 2_000 },
    // 1.2 s of wall time per redelivery: 20 receives outlast a restart on a loaded machine
    runtime: { visibilityTimeoutSeconds: 240, maxReceiveCount: 20 },
    mustFail: { GONE: NOT_FOUND },
  },
  // Discord refusing connections: the alert is attempted with every delivery of the last message
  // (at least once), logged as undeliverable each time, and given up when the message dead-letters;
  // nothing else changes (the job still ends, the data is intact). A short visibility timeout keeps
  // the five deliveries within the drain deadline.
  {
    name: 'Discord down',
    seed: 110,
    vanished: true,
    discord: 'down',
    mustFail: { GONE: NOT_FOUND },
    runtime: { visibilityTimeoutSeconds: 60 },
  },
  // Discord answering 429: the alerter waits retry_after and the alert arrives once, not twice.
  {
    name: 'Discord answering 429',
    seed: 111,
    vanished: true,
    discord: 'rate-limited',
    mustFail: { GONE: NOT_FOUND },
  },
  // Everything at once, on a database that restarts mid-run.
  {
    name: 'mixed: 429, 5xx, timeouts, truncated, null bars, 404, Discord 429, database restart',
    seed: 112,
    vanished: true,
    faults: {
      rate429: 0.15,
      retryAfterSeconds: 1,
      rate5xx: 0.15,
      hangRate: 0.05,
      latencyMs: { min: 50, max: 600 },
      truncatedRate: 0.05,
      nullBarRate: 0.1,
    },
    outage: { downMs: 500 },
    discord: 'rate-limited',
    runtime: { visibilityTimeoutSeconds: 240, maxReceiveCount: 10, providerTimeoutMs: 1_000 },
    mustFail: { GONE: NOT_FOUND },
    mayFail: new RegExp(`${GAVE_UP.source}|${UNREADABLE.source}|^dead-lettered: `),
    // Only the kinds the first request of each URL meets under this seed: which later attempts happen
    // depends on when the database restart lands, so a 5xx (met on retries only) is not guaranteed
    // (seen: 3 in one run, 0 in the next). The 5xx scenario above covers them.
    injected: ['rate429', 'nullBar'],
  },
];

let cluster: PrivateCluster | undefined;
beforeAll(async () => {
  if (SCENARIOS.some((s) => s.outage)) cluster = await startPrivateCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

describe.each(SCENARIOS)('a backfill drained through $name (seed $seed)', (scenario) => {
  let outcome: DrillOutcome;
  beforeAll(async () => {
    outcome = await runFaultDrill(scenario, cluster);
  }, 120_000);

  it('loses no row: every succeeded task stored exactly the bars the provider serves', () => {
    expect(outcome.rows.lost).toBe(0);
  });

  it('stores nothing for a task that did not succeed', () => {
    expect(outcome.rows.unexpected).toBe(0);
    expect(outcome.rows.stored).toBe(outcome.rows.expected);
  });

  it('duplicates no row', () => {
    expect(outcome.rows.duplicated).toBe(0);
  });

  it('drains the queue and leaves no job or task running, counting every task once', () => {
    expect(outcome.drain).toBeDefined();
    expect(outcome.jobs.stuck).toBe(0);
    expect(outcome.jobs.miscounted).toEqual([]);
  });

  it('fails exactly the expected tasks, each with a reason that says what happened', () => {
    const mustFail = scenario.mustFail ?? {};
    const failed = Object.fromEntries(outcome.jobs.failedTasks.map((t) => [t.symbol, t.error]));
    const expected = Object.entries(mustFail).map(([symbol, reason]) => [
      symbol,
      expect.stringMatching(reason),
    ]);
    expect(failed).toMatchObject(Object.fromEntries(expected));
    // Every other failure is one the scenario's random faults explain, with a reason saying which.
    const unexplained = outcome.jobs.failedTasks.filter(
      (t) => !(t.symbol in mustFail) && !scenario.mayFail?.test(t.error),
    );
    expect(unexplained).toEqual([]);
  });

  it('alerts once about a job that did not fully succeed, and never about one that did', () => {
    expect(outcome.alerts.notOnce).toEqual([]);
    const expectedDelivered = scenario.discord === 'down' ? 0 : outcome.alerts.expected;
    expect(outcome.alerts.delivered).toBe(expectedDelivered);
  });

  it('meets the faults it was set to inject', () => {
    for (const kind of scenario.injected ?? []) expect(outcome.faults[kind] ?? 0).toBeGreaterThan(0);
    if (scenario.requeues) expect(outcome.requeued).toBeGreaterThan(0);
    if (scenario.outage) expect(outcome.redeliveries).toBeGreaterThan(0);
    if (scenario.discord === 'down') expect(outcome.alerts.undeliverable).toBeGreaterThan(0);
    if (scenario.discord === 'rate-limited')
      expect(outcome.alerts.posts).toBeGreaterThan(outcome.alerts.delivered);
  });
});
