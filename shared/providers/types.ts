import type { BarValues, IsoDate } from '#shared/domain/daily-bar.ts';
import type { FetchRequest } from './request.ts';

export type ProviderName = 'yahoo' | 'upbit';

/**
 * One session of OHLCV as the provider reported it (the ingest use case adds the asset id). A price or
 * volume the provider left empty on an otherwise populated bar is NaN, so that validation rejects and
 * records the row instead of it vanishing here.
 */
export type ProviderBar = BarValues;

/** A split effective at the open of `sessionDate`: `numerator` new shares for `denominator` old ones. */
export interface ProviderSplit {
  sessionDate: IsoDate;
  numerator: number;
  denominator: number;
  /** The provider's own record of it, kept for audits. */
  record?: Record<string, unknown>;
}

/** A cash dividend per share whose ex-date is `sessionDate`. */
export interface ProviderDividend {
  sessionDate: IsoDate;
  /** Per share, on the provider's basis as of the fetch (Yahoo: adjusted for every later split). */
  amount: number;
  record?: Record<string, unknown>;
}

/** Which asset's complete action history to fetch, up to `until` (the fetch date). */
export interface ActionHistoryRequest {
  symbol: string;
  until: IsoDate;
  /** Zone to derive ex-dates in when the provider reports none. */
  timezone?: string;
}

/** Every split and dividend the provider knows for a symbol, or why they could not be fetched. */
export type ActionHistoryOutcome =
  | { kind: 'ok'; splits: ProviderSplit[]; dividends: ProviderDividend[]; requests: number }
  | Exclude<FetchOutcome, { kind: 'ok' }>;

/** Everything a fetch can come to. Only a bug (a bad request) throws. */
export type FetchOutcome =
  | {
      kind: 'ok';
      /** Ascending by session date, one per date, all within [start, end]. */
      bars: ProviderBar[];
      splits: ProviderSplit[];
      dividends: ProviderDividend[];
      /** Bars in range that the provider listed with no prices at all (Yahoo does), left out of `bars`. */
      droppedNullBars: number;
      /** HTTP requests made, retries and pages included. */
      requests: number;
      /**
       * The first session the provider has for the symbol, when the answer tells it (Yahoo's
       * meta.firstTradeDate; Upbit's oldest candle, when paging ran out of history inside the range).
       */
      firstSession?: IsoDate;
    }
  | { kind: 'not-found'; reason: string }
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string }
  | { kind: 'failed'; reason: string; retryable: boolean }
  | { kind: 'invalid-response'; reason: string };

/** A source of daily bars. */
export interface PriceProvider {
  readonly name: ProviderName;
  /**
   * Fetches the daily bars of `request.symbol` whose session dates fall in [start, end], both inclusive.
   * Throws InvalidFetchRequestError for a malformed request; every provider or network failure is an outcome.
   */
  fetchDailyBars(request: FetchRequest): Promise<FetchOutcome>;
  /**
   * The symbol's complete split and dividend history in one cheap request; absent for providers with
   * no corporate actions (Upbit). Every failure is an outcome.
   */
  fetchActionHistory?(request: ActionHistoryRequest): Promise<ActionHistoryOutcome>;
}
