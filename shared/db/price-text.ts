/*
 * Prices as COPY text, digit for digit what String(value) writes, so each stored numeric is the value
 * it always was. As-traded prices are float32 values (see roundAsTradedPrice), whose shortest decimal
 * as a double has 16-17 digits; V8 finds those with its slow bignum fallback, about 1 us a price, the
 * largest cost of a COPY. Here the digits come from the float32's exact binary fraction: each step
 * (times 10, take the integer part) is exact in a double, and the digits stop at the first place where
 * the decimal is within half a double ulp of the value: the shortest decimal that reads back as it,
 * the closer of two, the even one of a tie (as ECMAScript's Number::toString asks and V8 does).
 * Anything else (integers, other doubles, tiny values, a distance too close to half an ulp) is
 * String(value).
 */

/** Smallest value String writes without an exponent (1e-7 is "1e-7"). */
const MIN_FIXED = 1e-6;
/** Float32 values from 2^23 on are integers. */
const FRACTIONAL_BELOW = 2 ** 23;
/** Relative margin around every comparison with half an ulp: the only inexact figure is that half. */
const MARGIN = 1e-9;

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `value` as String(value) writes it, found faster for float32 values in [1e-6, 2^23). Never throws. */
export function priceText(value: number): string {
  if (!(value >= MIN_FIXED && value < FRACTIONAL_BELOW) || Math.fround(value) !== value || !LITTLE_ENDIAN)
    return String(value);
  const whole = Math.floor(value);
  if (whole === value) return String(value);
  scratch[0] = value;
  const high = words[1] as number;
  // A power of two has a closer neighbour below than above; String knows, this does not try.
  if ((high & 0xfffff) === 0 && words[0] === 0) return String(value);
  const exponent = ((high >>> 20) & 0x7ff) - 1023;
  return shortestDigits(value - whole, whole, 2 ** (exponent - 53)) ?? String(value);
}

/**
 * `whole` and the shortest fraction digits within `halfUlp` of `whole + fraction`, or undefined when a
 * comparison with it is too close to call (String decides those).
 */
function shortestDigits(fraction: number, whole: number, halfUlp: number): string | undefined {
  let rest = fraction; // what is left, in units of the digit place reached
  let room = halfUlp; // half an ulp, in the same units
  // The fraction digits so far in parts of at most CHUNK_DIGITS, each a small integer.
  const parts = [0, 0, 0];
  for (let place = 1; place <= CHUNK_DIGITS * parts.length; place++) {
    rest *= 10;
    room *= 10;
    const digit = Math.floor(rest);
    rest -= digit;
    const part = ((place - 1) / CHUNK_DIGITS) | 0;
    parts[part] = (parts[part] as number) * 10 + digit;
    // Both distances are exact (so is `rest`); only `room` is rounded, hence the margin around it.
    const below = rest; // to the digits so far
    const above = 1 - rest; // to the digits so far, last one up
    if (rest === 0 || below <= room || above <= room) {
      if (near(below, room) || near(above, room)) return undefined;
      // Both in reach: the closer; a tie (common: a float32's exact decimal ends in 5) to the even digit.
      const up = rest !== 0 && (below > room || above < below || (above === below && digit % 2 === 1));
      return written(whole, parts, place, up);
    }
  }
  return undefined;
}

/** Fraction digits per part: 10^8 is far inside a small integer. */
const CHUNK_DIGITS = 8;
const POWERS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= MARGIN * Math.max(a, b);
}

/** `whole` and the `places` fraction digits held in `parts`, the last digit one up when `up`. */
function written(whole: number, parts: number[], places: number, up: boolean): string {
  let w = whole;
  let last = ((places - 1) / CHUNK_DIGITS) | 0;
  let lastDigits = places - last * CHUNK_DIGITS;
  if (up) {
    for (let i = last, digits = lastDigits; ; i--, digits = CHUNK_DIGITS) {
      const carried = (parts[i] as number) + 1;
      if (carried < (POWERS[digits] as number)) {
        parts[i] = carried;
        break;
      }
      parts[i] = 0;
      if (i === 0) {
        w++;
        break;
      }
    }
  }
  // String never writes zeros at the end, which a carry (or a zero digit) can leave.
  while (last >= 0 && parts[last] === 0) {
    last--;
    lastDigits = CHUNK_DIGITS;
  }
  if (last < 0) return String(w);
  let tail = parts[last] as number;
  while (tail % 10 === 0) {
    tail /= 10;
    lastDigits--;
  }
  let text = `${w}.`;
  for (let i = 0; i < last; i++) text += padded(parts[i] as number, CHUNK_DIGITS);
  return text + padded(tail, lastDigits);
}

function padded(part: number, digits: number): string {
  const text = String(part);
  return text.length === digits ? text : '0'.repeat(digits - text.length) + text;
}
