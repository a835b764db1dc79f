// validate-bars.ts as it was before the allocation-free rewrite (hotpath): the reference semantics.
import type { BarValues, IsoDate } from '#shared/domain/daily-bar.ts';

export type { BarValues };

/** Close-to-close moves larger than this are stored but flagged for a person to look at. */
export const LARGE_MOVE = 0.3;

export interface RejectedBar {
  sessionDate: IsoDate;
  reason: string;
}

export interface LargeMove {
  sessionDate: IsoDate;
  previousSession: IsoDate;
  previousClose: number;
  close: number;
  /** Signed fraction, e.g. -0.42 for a 42 % fall. */
  change: number;
}

export interface ValidationReport {
  accepted: BarValues[];
  rejected: RejectedBar[];
  largeMoves: LargeMove[];
  /** Expected sessions with no accepted bar, ascending. */
  gaps: IsoDate[];
  /** Bars dated on a day the calendar says is closed: not sessions, so not accepted. */
  closedDayBars: BarValues[];
}

export interface ValidationInput {
  bars: readonly BarValues[];
  /** The sessions the calendar expects in the fetched range (up to the last completed one). */
  expectedSessions: readonly IsoDate[];
  /** The stored bar just before the range, so a move across a chunk boundary is seen too. */
  previous?: { sessionDate: IsoDate; close: number };
  /** Session dates on which the provider reports a split: a big move there is expected. */
  splitDates?: ReadonlySet<IsoDate>;
  /** The calendar's answer; a bar on any other day is a closed-day bar. Every date is one when absent. */
  isSession?: (date: IsoDate) => boolean;
}

/**
 * Checks fetched bars: a bar on a closed day is set aside; insane OHLC is rejected with its reason; big
 * close-to-close moves (not on a split) are kept and reported; expected sessions without a bar are
 * reported as gaps.
 */
export function validateBars(input: ValidationInput): ValidationReport {
  const accepted: BarValues[] = [];
  const rejected: RejectedBar[] = [];
  const closedDayBars: BarValues[] = [];
  for (const bar of inDateOrder(input.bars)) {
    if (input.isSession && !input.isSession(bar.sessionDate)) {
      closedDayBars.push(bar);
      continue;
    }
    const reason = ohlcProblem(bar);
    if (reason) rejected.push({ sessionDate: bar.sessionDate, reason });
    else accepted.push(bar);
  }
  return {
    accepted,
    rejected,
    largeMoves: largeMoves(accepted, input.previous, input.splitDates ?? new Set()),
    gaps: missingSessions(input.expectedSessions, accepted),
    closedDayBars,
  };
}

/** Why a bar cannot be stored, or undefined when it is sane. */
export function ohlcProblem(bar: BarValues): string | undefined {
  const fields = { open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume };
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return `${name} is not a finite number (${value})`;
  }
  for (const name of ['open', 'high', 'low', 'close'] as const) {
    if (bar[name] <= 0) return `${name} ${bar[name]} is not positive`;
  }
  if (bar.volume < 0) return `volume ${bar.volume} is negative`;
  if (bar.adjClose !== null && !(Number.isFinite(bar.adjClose) && bar.adjClose > 0)) {
    return `adjusted close ${bar.adjClose} is not a positive number`;
  }
  if (bar.low > bar.high) return `low ${bar.low} is above high ${bar.high}`;
  for (const name of ['open', 'close'] as const) {
    if (bar[name] < bar.low) return `${name} ${bar[name]} is below low ${bar.low}`;
    if (bar[name] > bar.high) return `${name} ${bar[name]} is above high ${bar.high}`;
  }
  return undefined;
}

function largeMoves(
  bars: readonly BarValues[],
  previous: ValidationInput['previous'],
  splitDates: ReadonlySet<IsoDate>,
): LargeMove[] {
  const moves: LargeMove[] = [];
  let prior = previous;
  for (const bar of bars) {
    if (prior && !splitDates.has(bar.sessionDate)) {
      const change = bar.close / prior.close - 1;
      if (Math.abs(change) > LARGE_MOVE) {
        moves.push({
          sessionDate: bar.sessionDate,
          previousSession: prior.sessionDate,
          previousClose: prior.close,
          close: bar.close,
          change,
        });
      }
    }
    prior = { sessionDate: bar.sessionDate, close: bar.close };
  }
  return moves;
}

function missingSessions(expected: readonly IsoDate[], bars: readonly BarValues[]): IsoDate[] {
  const present = new Set(bars.map((b) => b.sessionDate));
  return expected.filter((d) => !present.has(d));
}

/** Providers return bars in date order; sort only when they did not. */
function inDateOrder(bars: readonly BarValues[]): readonly BarValues[] {
  for (let i = 1; i < bars.length; i++) {
    if ((bars[i - 1] as BarValues).sessionDate >= (bars[i] as BarValues).sessionDate) {
      return [...bars].sort((a, b) => (a.sessionDate < b.sessionDate ? -1 : 1));
    }
  }
  return bars;
}
