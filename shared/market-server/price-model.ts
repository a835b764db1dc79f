import type { CalendarId } from '#shared/calendars/index.ts';
import { boundedNormal, hashString, mixKeys, randomStream } from './random.ts';

/**
 * Prices as a pure function of (seed, symbol, session day): a smooth seeded curve (drift plus two
 * waves) with small bounded daily noise. Nothing depends on the requested range, so overlapping requests
 * agree, and nothing is stored, so a 500-asset backfill costs no memory.
 */

/** One session of unrounded prices; `tickFraction` in [0, 1) places Upbit's last trade in the day. */
export interface RawBar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  tickFraction: number;
}

interface Wave {
  amplitude: number;
  period: number;
  phase: number;
}

interface SymbolProfile {
  key: number;
  logBase: number;
  driftPerDay: number;
  waves: Wave[];
  logVolume: number;
}

/** Day number of 2015-01-01: the curve is anchored there so that drift never runs far in 1990-2030. */
const ANCHOR_DAY = 16_436;
const TWO_PI = 2 * Math.PI;

function logUniform(random: () => number, min: number, max: number): number {
  return Math.log(min) + random() * (Math.log(max) - Math.log(min));
}

/** Price and volume scale by what the symbol is: Upbit KRW coins, KRX stocks in won, or US dollars. */
function scaleOf(
  symbol: string,
  calendar: CalendarId,
): { price: [number, number]; volume: [number, number] } {
  if (symbol.toUpperCase().startsWith('KRW-')) return { price: [100, 100_000_000], volume: [10, 1_000_000] };
  if (calendar === 'XKRX') return { price: [1_000, 1_000_000], volume: [50_000, 20_000_000] };
  return { price: [10, 500], volume: [100_000, 50_000_000] };
}

export class PriceModel {
  readonly #seedKey: number;
  readonly #profiles = new Map<string, SymbolProfile>();

  constructor(seed: number | string) {
    this.#seedKey = hashString(`seed:${seed}`);
  }

  /** The unrounded bar of `symbol` on session day `day` (days since 1970-01-01). */
  rawBar(symbol: string, calendar: CalendarId, day: number): RawBar {
    const profile = this.#profile(symbol, calendar);
    const random = randomStream(mixKeys(profile.key, day));
    const close = Math.exp(this.#logPrice(profile, day) + 0.008 * boundedNormal(random));
    // The open sits on the curve half a day earlier: near the previous close, with its own gap.
    const open = Math.exp(this.#logPrice(profile, day - 0.5) + 0.006 * boundedNormal(random));
    const high = Math.max(open, close) * Math.exp(Math.abs(0.006 * boundedNormal(random)));
    const low = Math.min(open, close) * Math.exp(-Math.abs(0.006 * boundedNormal(random)));
    const volume = Math.exp(profile.logVolume + 0.3 * boundedNormal(random));
    return { open, high, low, close, volume, tickFraction: random() };
  }

  /** A uniform draw in [0, 1) for (symbol, day, purpose), e.g. whether a bar is served as nulls. */
  draw(symbol: string, day: number, purpose: string): number {
    return randomStream(mixKeys(this.#seedKey, hashString(symbol), day, hashString(purpose)))();
  }

  #logPrice(profile: SymbolProfile, day: number): number {
    let log = profile.logBase + profile.driftPerDay * (day - ANCHOR_DAY);
    for (const wave of profile.waves) {
      log += wave.amplitude * Math.sin((TWO_PI * day) / wave.period + wave.phase);
    }
    return log;
  }

  #profile(symbol: string, calendar: CalendarId): SymbolProfile {
    let profile = this.#profiles.get(symbol);
    if (profile === undefined) {
      const key = mixKeys(this.#seedKey, hashString(symbol));
      const random = randomStream(key);
      const scale = scaleOf(symbol, calendar);
      profile = {
        key,
        logBase: logUniform(random, ...scale.price),
        driftPerDay: (random() * 0.6 - 0.2) / 1_000, // -7 % .. +24 % a year
        waves: [
          { amplitude: 0.1 + random() * 0.2, period: 500 + random() * 1_000, phase: random() * TWO_PI },
          { amplitude: 0.03 + random() * 0.05, period: 40 + random() * 80, phase: random() * TWO_PI },
        ],
        logVolume: logUniform(random, ...scale.volume),
      };
      this.#profiles.set(symbol, profile);
    }
    return profile;
  }
}
