import * as z from 'zod';
import { type IsoDate, isoDateSchema } from '#shared/domain/daily-bar.ts';

/**
 * A split or cash dividend the server knows for a symbol. Amounts are as paid on the ex-date; the
 * server re-bases history the way Yahoo does, as of its `now`, once the ex-date's open has passed.
 */
export const marketActionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    symbol: z.string().min(1),
    exDate: isoDateSchema,
    kind: z.literal('split'),
    numerator: z.number().positive(),
    denominator: z.number().positive(),
  }),
  z.strictObject({
    symbol: z.string().min(1),
    exDate: isoDateSchema,
    kind: z.literal('dividend'),
    amount: z.number().positive(),
  }),
]);

export type MarketAction = z.infer<typeof marketActionSchema>;
export type MarketSplit = Extract<MarketAction, { kind: 'split' }>;
export type MarketDividend = Extract<MarketAction, { kind: 'dividend' }>;

/** Each symbol's actions by ex-date; most symbols have none, so the common path is one map miss. */
export class ActionBook {
  readonly #bySymbol = new Map<string, MarketAction[]>();

  constructor(actions: readonly MarketAction[]) {
    for (const action of actions) this.add(action);
  }

  /** Adds (announces) an action; one per symbol, ex-date and kind, the newest winning. */
  add(action: MarketAction): void {
    const list = (this.#bySymbol.get(action.symbol) ?? []).filter(
      (a) => !(a.exDate === action.exDate && a.kind === action.kind),
    );
    list.push(action);
    list.sort((a, b) => a.exDate.localeCompare(b.exDate));
    this.#bySymbol.set(action.symbol, list);
  }

  has(symbol: string): boolean {
    return this.#bySymbol.has(symbol);
  }

  /** The symbol's actions with an ex-date in [from, to], oldest first. */
  between(symbol: string, from: IsoDate, to: IsoDate): MarketAction[] {
    return (this.#bySymbol.get(symbol) ?? []).filter((a) => a.exDate >= from && a.exDate <= to);
  }

  /** The product of split ratios with an ex-date in (after, upTo]: how far prices were re-based. */
  splitRatio(symbol: string, after: IsoDate, upTo: IsoDate): number {
    let ratio = 1;
    for (const action of this.#bySymbol.get(symbol) ?? []) {
      if (action.kind === 'split' && action.exDate > after && action.exDate <= upTo) {
        ratio *= action.numerator / action.denominator;
      }
    }
    return ratio;
  }
}
