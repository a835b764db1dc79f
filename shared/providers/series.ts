import * as z from '#shared/domain/zod.ts';
import { EARLIEST_EPOCH_SECONDS, LATEST_EPOCH_SECONDS, MAX_SERIES } from './bounds.ts';

/*
 * The fast half of a provider's long arrays (Yahoo's 750-11,000 prices per series): one loop over
 * each array instead of a zod schema per element, which cost more than JSON.parse itself. Each check
 * accepts exactly what its per-element schema in bounds.ts accepts, so a schema built with these
 * accepts no more than the strict one; on a rejection the caller runs the strict schema for its issues.
 */

/** A price or volume series: at most MAX_SERIES of null or boundedNumber (finite, within ±1e18). */
export function isBoundedSeries(value: unknown): value is (number | null)[] {
  if (!Array.isArray(value) || value.length > MAX_SERIES) return false;
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    // The comparisons are false for NaN and ±Infinity, which boundedNumber rejects too.
    if (v !== null && !(typeof v === 'number' && v >= -1e18 && v <= 1e18)) return false;
  }
  return true;
}

/** A timestamp series: at most MAX_SERIES integer epoch seconds within the epochSeconds bounds. */
export function isEpochSecondsSeries(value: unknown): value is number[] {
  if (!Array.isArray(value) || value.length > MAX_SERIES) return false;
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (!(typeof v === 'number' && Number.isInteger(v))) return false;
    if (v < EARLIEST_EPOCH_SECONDS || v > LATEST_EPOCH_SECONDS) return false;
  }
  return true;
}

/** isBoundedSeries as a schema: the array itself passes through, not copied element by element. */
export const fastBoundedSeries = z.custom<(number | null)[]>(isBoundedSeries);
/** isEpochSecondsSeries as a schema. */
export const fastEpochSecondsSeries = z.custom<number[]>(isEpochSecondsSeries);
