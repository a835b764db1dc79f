import type { IsoDate } from '#shared/domain/daily-bar.ts';

/** A session's close, stored or re-fetched. */
export interface SessionClose {
  sessionDate: IsoDate;
  close: number;
}

/** A split known to have happened: `numerator` new shares for `denominator` old, from `sessionDate`. */
export interface KnownSplit {
  sessionDate: IsoDate;
  numerator: number;
  denominator: number;
}

/**
 * Re-fetched bars on another basis than the stored ones: every overlapping session up to `through` is
 * off by stored / fetched = numerator / denominator, as if a `numerator`:`denominator` split the stored
 * history does not know of took effect after `through` (at `effectiveBy` at the latest, when later
 * overlapping sessions agree again).
 */
export interface Rebase {
  numerator: number;
  denominator: number;
  /** First and last overlapping sessions on the other basis. */
  from: IsoDate;
  through: IsoDate;
  /** The first overlapping session that agrees again, or null when none after `through` does. */
  effectiveBy: IsoDate | null;
  sessions: number;
}

/**
 * Relative tolerance. A provider rounds re-based prices again (Yahoo to about 3 decimals: NVDA's 13.237),
 * so a $5 close divided by 4 can be off by 1e-3; the nearest split-like fractions are further apart.
 */
const TOLERANCE = 2e-3;
/** Split ratios are small fractions: 2:1, 3:2, 1:10, 20:1 ... */
const MAX_TERM = 20;
/** One bar off by two is a correction; a re-basing moves at least this many sessions. */
export const MIN_REBASED_SESSIONS = 2;

/**
 * Whether `fetched` disagrees with `stored` the way a re-based history does: a run of overlapping
 * sessions (oldest first, at least MIN_REBASED_SESSIONS) all off by one split-like ratio, every later
 * overlapping session equal, and no split in `known` with that ratio dated after the run to explain it.
 * Pure: the caller passes the known splits (the provider's events, or the stored corporate actions).
 * @returns the re-basing, or null when the bars agree, differ otherwise (ordinary revisions), or a known
 * split explains the difference.
 */
export function detectRebase(
  stored: readonly SessionClose[],
  fetched: readonly SessionClose[],
  known: readonly KnownSplit[] = [],
): Rebase | null {
  if (stored.length === 0) return null; // new history: nothing to be on another basis than
  const storedBy = new Map(stored.map((b) => [b.sessionDate, b.close]));
  const pairs = [...fetched]
    .filter((b) => storedBy.has(b.sessionDate))
    .sort((a, b) => (a.sessionDate < b.sessionDate ? -1 : 1))
    .map((b) => ({ sessionDate: b.sessionDate, ratio: (storedBy.get(b.sessionDate) as number) / b.close }));
  const first = pairs[0];
  if (first === undefined) return null;
  const fraction = splitFraction(first.ratio);
  if (fraction === null) return null;
  const ratio = fraction.numerator / fraction.denominator;
  let run = 0;
  while (run < pairs.length && near((pairs[run] as (typeof pairs)[number]).ratio, ratio)) run++;
  if (run < MIN_REBASED_SESSIONS) return null;
  if (!pairs.slice(run).every((p) => near(p.ratio, 1))) return null;
  const through = (pairs[run - 1] as (typeof pairs)[number]).sessionDate;
  const effectiveBy = pairs[run]?.sessionDate ?? null;
  const explained = known.some(
    (s) =>
      near(s.numerator / s.denominator, ratio) &&
      s.sessionDate > through &&
      (effectiveBy === null || s.sessionDate <= effectiveBy),
  );
  if (explained) return null;
  return { ...fraction, from: first.sessionDate, through, effectiveBy, sessions: run };
}

/** The simplest n/m (both at most MAX_TERM, not 1) within TOLERANCE of `ratio`, or null. */
export function splitFraction(ratio: number): { numerator: number; denominator: number } | null {
  if (!Number.isFinite(ratio) || ratio <= 0 || near(ratio, 1)) return null;
  for (let denominator = 1; denominator <= MAX_TERM; denominator++) {
    const numerator = Math.round(ratio * denominator);
    if (numerator < 1 || numerator > MAX_TERM) continue;
    if (near(ratio, numerator / denominator)) return { numerator, denominator };
  }
  return null;
}

function near(value: number, target: number): boolean {
  return Math.abs(value - target) <= TOLERANCE * target;
}
