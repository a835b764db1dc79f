import { cleanText } from '#shared/domain/text.ts';
import * as z from '#shared/domain/zod.ts';

/*
 * Bounds for every provider field we read, so that nothing a provider sends can throw later (a
 * timestamp beyond Date's range made Intl throw RangeError), grow without end, or carry escapes.
 */

/** 1900-01-01 and 2100-01-01 UTC: wider than any daily history, well inside Date's ±8.64e12 s. */
export const EARLIEST_EPOCH_SECONDS = -2_208_988_800;
export const LATEST_EPOCH_SECONDS = 4_102_444_800;

/** Bars in one answer: 30 years of a 24/7 market is ~11,000; a chunk is far less. */
export const MAX_SERIES = 50_000;

/** Dividends or splits in one answer. */
const MAX_EVENTS = 5_000;

export const epochSeconds = z
  .number()
  .check(z.int(), z.gte(EARLIEST_EPOCH_SECONDS), z.lte(LATEST_EPOCH_SECONDS));

/** A price or volume: finite (zod's default; JSON's 1e400 is Infinity) and below any real figure. */
export const boundedNumber = z.number().check(z.gte(-1e18), z.lte(1e18));

/** An object keyed by provider strings (Yahoo's events by timestamp), with few, short keys. */
export function boundedRecord<T extends z.ZodMiniType>(value: T) {
  return z
    .record(z.string().check(z.maxLength(20)), value)
    .check(z.refine((r) => Object.keys(r).length <= MAX_EVENTS, `more than ${MAX_EVENTS} entries`));
}

/** Free text a provider wrote (an error description): kept, but on one line, cleaned and cut. */
export function providerText(maxLength: number) {
  return z.pipe(
    z.string(),
    z.transform((text: string) => cleanText(text, maxLength)),
  );
}
