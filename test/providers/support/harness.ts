import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RateBudget } from '#shared/http/rate-budget.ts';
import {
  createProvider,
  type FetchOutcome,
  type ProviderName,
  type ProviderOptions,
} from '#shared/providers/index.ts';
import { type InstantClock, instantClock } from '#test/http/support/instant-clock.ts';

/** Recorded responses live beside the repository and are read in place, never copied in. */
export const FIXTURES_DIR = join(process.cwd(), '..', 'shared', 'fixtures');

export function readFixture(provider: ProviderName, file: string): Promise<string> {
  return readFile(join(FIXTURES_DIR, provider, file), 'utf8');
}

/**
 * A provider against `baseUrl` on virtual time, with no jitter and a budget of its own (so tests do
 * not share the process-wide one). The timeout is generous: a loaded machine can answer a local request
 * after more than a second, and a retry would change the request counts tests assert. A test of a
 * hang passes its own short one.
 */
export function providerFor(
  name: ProviderName,
  baseUrl: string,
  options: ProviderOptions & { clock?: InstantClock } = {},
) {
  const clock = options.clock ?? instantClock();
  const provider = createProvider(name, {
    baseUrl,
    timeoutMs: 10_000,
    random: () => 0,
    rateBudget: new RateBudget({ perSecond: 8, clock }),
    ...options,
    clock,
  });
  return { provider, clock };
}

/** The `ok` outcome, or a failure that shows what came back instead. */
export function expectOk(outcome: FetchOutcome): Extract<FetchOutcome, { kind: 'ok' }> {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  return outcome;
}

/** Monday-to-Friday dates in [start, end]. */
export function weekdays(start: string, end: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) dates.push(new Date(t).toISOString().slice(0, 10));
  }
  return dates;
}
