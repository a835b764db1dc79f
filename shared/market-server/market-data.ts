import { type CalendarId, type ExchangeCalendar, getCalendar } from '#shared/calendars/index.ts';
import { toDay, toIsoDate } from '#shared/calendars/iso-day.ts';
import { zonedTimeToEpochMs } from '#shared/calendars/zoned-time.ts';
import type { BarValues, IsoDate } from '#shared/domain/daily-bar.ts';
import { localDateAt } from '#shared/providers/dates.ts';
import { ActionBook } from './corporate-actions.ts';
import type { MarketServerConfig } from './options.ts';
import { PriceModel } from './price-model.ts';
import { type Currency, type MarketProvider, roundPrice, roundVolume } from './rounding.ts';

export type { MarketProvider } from './rounding.ts';

type CorrectedField = 'open' | 'high' | 'low' | 'close' | 'volume';

/** One session as the server serves it (Yahoo: adjClose = close, no dividends; Upbit: null). */
export type MarketBar = BarValues;

/** Regular opens, exchange-local minutes after midnight: what Yahoo stamps a daily bar with. */
const OPEN_MINUTES: Record<CalendarId, number> = { XNYS: 9 * 60 + 30, XKRX: 9 * 60, '24/7': 0 };

type DataConfig = Pick<
  MarketServerConfig,
  | 'seed'
  | 'now'
  | 'calendarOf'
  | 'missingSymbols'
  | 'historyStart'
  | 'priceJumps'
  | 'corporateActions'
  | 'corrections'
>;

/** Which sessions each symbol has and what its bars are; cheap enough to call on every request. */
export class MarketData {
  readonly #config: DataConfig;
  readonly #model: PriceModel;
  readonly #missing: ReadonlySet<string>;
  readonly #calendars = new Map<string, ExchangeCalendar>();
  readonly #opens = new Map<CalendarId, Map<IsoDate, number>>();
  /** Day numbers by date: parsing the string again for every bar was the hottest line of a backfill. */
  readonly #days = new Map<IsoDate, number>();
  /** Splits and dividends; Yahoo's bars of a symbol with any are re-based as of `now` (see #rebased). */
  readonly actions: ActionBook;

  constructor(config: DataConfig) {
    this.#config = config;
    this.#model = new PriceModel(config.seed);
    this.#missing = new Set(config.missingSymbols);
    this.actions = new ActionBook(config.corporateActions);
  }

  /** The symbol's local date at the server's `now`: actions with an ex-date up to it have happened. */
  today(symbol: string): IsoDate {
    return localDateAt(this.#config.now() / 1000, this.calendarOf(symbol).timezone);
  }

  exists(symbol: string): boolean {
    return !this.#missing.has(symbol);
  }

  /** The symbol's calendar, asked of `calendarOf` once per symbol. */
  calendarOf(symbol: string): ExchangeCalendar {
    let calendar = this.#calendars.get(symbol);
    if (calendar === undefined) {
      calendar = getCalendar(this.#config.calendarOf(symbol));
      this.#calendars.set(symbol, calendar);
    }
    return calendar;
  }

  /** Seoul listings and Upbit's KRW markets are priced in won, everything else in dollars. */
  currencyOf(symbol: string): Currency {
    return this.calendarOf(symbol).id === 'XKRX' || symbol.toUpperCase().startsWith('KRW-') ? 'KRW' : 'USD';
  }

  /** The newest session of `symbol` with a bar at the server's `now`. Throws CalendarRangeError. */
  lastPublished(symbol: string): IsoDate {
    return this.calendarOf(symbol).expectedLastSession(new Date(this.#config.now()));
  }

  /** The first session of `symbol` on or after historyStart: Yahoo's firstTradeDate. */
  firstSession(symbol: string): IsoDate {
    const calendar = this.calendarOf(symbol);
    const from =
      this.#config.historyStart > calendar.firstDate ? this.#config.historyStart : calendar.firstDate;
    return calendar.isSession(from) ? from : calendar.nextSession(from);
  }

  /** Sessions of `symbol` in [start, end] that have a bar: from historyStart up to lastPublished. */
  sessions(symbol: string, start: IsoDate, end: IsoDate): IsoDate[] {
    const calendar = this.calendarOf(symbol);
    const from = [start, this.#config.historyStart, calendar.firstDate].reduce((a, b) => (a > b ? a : b));
    const to = [end, this.lastPublished(symbol), calendar.lastDate].reduce((a, b) => (a < b ? a : b));
    return from > to ? [] : calendar.sessionsBetween(from, to);
  }

  /** The session's regular open in epoch seconds, cached: zone conversion goes through Intl. */
  openSeconds(symbol: string, session: IsoDate): number {
    const calendar = this.calendarOf(symbol);
    let opens = this.#opens.get(calendar.id);
    if (opens === undefined) {
      opens = new Map();
      this.#opens.set(calendar.id, opens);
    }
    let open = opens.get(session);
    if (open === undefined) {
      open = zonedTimeToEpochMs(toDay(session), OPEN_MINUTES[calendar.id], calendar.timezone) / 1000;
      opens.set(session, open);
    }
    return open;
  }

  /** The bar of `symbol` on `session` as `provider` serves it, and where in the day its last trade was. */
  bar(provider: MarketProvider, symbol: string, session: IsoDate): MarketBar & { tickFraction: number } {
    const traded = this.tradedBar(provider, symbol, session);
    return provider === 'yahoo' && this.actions.has(symbol) ? this.#rebased(symbol, traded) : traded;
  }

  /**
   * The bar as traded that day: what a fetch before any later split served, and what the pipeline
   * must store. Splits up to the session lower the price level (and raise volume) from their ex-date.
   */
  tradedBar(
    provider: MarketProvider,
    symbol: string,
    session: IsoDate,
  ): MarketBar & { tickFraction: number } {
    const day = this.#dayOf(session);
    const raw = this.#model.rawBar(symbol, this.calendarOf(symbol).id, day);
    const splits = provider === 'yahoo' ? this.actions.splitRatio(symbol, '', session) : 1;
    const factor = this.#jumpFactor(symbol, session) / splits;
    const price = roundPrice[provider][this.currencyOf(symbol)];
    const fix = this.#correction(symbol, session);
    const close = price(raw.close * factor * fix('close'));
    // A corrected high or low still brackets open and close: a provider's correction is a sane bar.
    const open = price(raw.open * factor * fix('open'));
    return {
      sessionDate: session,
      open,
      high: Math.max(price(raw.high * factor * fix('high')), open, close),
      low: Math.min(price(raw.low * factor * fix('low')), open, close),
      close,
      adjClose: provider === 'yahoo' ? close : null,
      volume: roundVolume[provider](raw.volume * splits * fix('volume')),
      tickFraction: raw.tickFraction,
    };
  }

  /**
   * A Yahoo bar as served at `now`: prices divided by (volume times) every split since the session,
   * adjclose further scaled by every dividend since, CRSP-style (1 - D / previous close).
   */
  #rebased<B extends MarketBar>(symbol: string, traded: B): B {
    const today = this.today(symbol);
    const ratio = this.actions.splitRatio(symbol, traded.sessionDate, today);
    const price = (p: number) => (ratio === 1 ? p : Math.fround(p / ratio));
    const close = price(traded.close);
    return {
      ...traded,
      open: price(traded.open),
      high: price(traded.high),
      low: price(traded.low),
      close,
      adjClose: Math.fround(close * this.#dividendFactor(symbol, traded.sessionDate, today)),
      volume: Math.round(traded.volume * ratio),
    };
  }

  #dividendFactor(symbol: string, session: IsoDate, today: IsoDate): number {
    let factor = 1;
    for (const action of this.actions.between(symbol, session, today)) {
      if (action.kind !== 'dividend' || action.exDate === session) continue;
      const previous = this.sessions(
        symbol,
        toIsoDate(toDay(action.exDate) - 10),
        toIsoDate(toDay(action.exDate) - 1),
      ).at(-1);
      if (previous === undefined) continue;
      // The previous close on the ex-date's share basis: a split on the ex-date itself re-bases it.
      const ratio = this.actions.splitRatio(symbol, previous, action.exDate);
      factor *= 1 - action.amount / (this.tradedBar('yahoo', symbol, previous).close / ratio);
    }
    return factor;
  }

  /** Published bars in [start, end] as traded (what the pipeline stores: no adjusted close for Yahoo). */
  tradedBarsFor(provider: MarketProvider, symbol: string, start: IsoDate, end: IsoDate, nullBarRate: number) {
    return this.barsFor(provider, symbol, start, end, nullBarRate).map(({ sessionDate }): MarketBar => {
      const { tickFraction: _, ...bar } = this.tradedBar(provider, symbol, sessionDate);
      return provider === 'yahoo' ? { ...bar, adjClose: null } : bar;
    });
  }

  /** The factor each field of this bar is corrected by (1 for a bar nobody corrected). */
  #correction(symbol: string, session: IsoDate): (field: CorrectedField) => number {
    const matching = this.#config.corrections.filter((c) => c.symbol === symbol && c.session === session);
    if (matching.length === 0) return () => 1;
    return (field) =>
      matching.reduce((f, c) => (c.field === undefined || c.field === field ? f * c.factor : f), 1);
  }

  /** Whether Yahoo lists this bar with null prices at `nullBarRate`: fixed per bar, not per request. */
  isNullBar(symbol: string, session: IsoDate, nullBarRate: number): boolean {
    return nullBarRate > 0 && this.#model.draw(symbol, this.#dayOf(session), 'null-bar') < nullBarRate;
  }

  /** Published bars in [start, end] with prices, as served now (null Yahoo bars left out). */
  barsFor(provider: MarketProvider, symbol: string, start: IsoDate, end: IsoDate, nullBarRate: number) {
    if (!this.exists(symbol)) return [];
    const nulls = provider === 'yahoo' ? nullBarRate : 0;
    return this.sessions(symbol, start, end)
      .filter((session) => !this.isNullBar(symbol, session, nulls))
      .map((session): MarketBar => {
        const { tickFraction: _, ...bar } = this.bar(provider, symbol, session);
        return bar;
      });
  }

  #dayOf(session: IsoDate): number {
    let day = this.#days.get(session);
    if (day === undefined) {
      day = toDay(session);
      this.#days.set(session, day);
    }
    return day;
  }

  #jumpFactor(symbol: string, session: IsoDate): number {
    let factor = 1;
    for (const jump of this.#config.priceJumps) {
      if (jump.symbol === symbol && session >= jump.from) factor *= jump.factor;
    }
    return factor;
  }
}
