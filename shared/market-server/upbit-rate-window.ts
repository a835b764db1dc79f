/**
 * Upbit's per-second limit for the candle group: requests are counted per wall-clock second (real
 * time, not the server's `now`, which tests often freeze), and every answer says how many remain.
 */
export class UpbitRateWindow {
  readonly #perSecond: number;
  readonly #wallClock: () => number;
  #second = -1;
  #count = 0;

  constructor(perSecond: number, wallClock: () => number = Date.now) {
    this.#perSecond = perSecond;
    this.#wallClock = wallClock;
  }

  /** Counts one request: whether it is within the limit, and the `Remaining-Req` header to send. */
  take(): { allowed: boolean; header: string } {
    const second = Math.floor(this.#wallClock() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#count = 0;
    }
    this.#count++;
    const remaining = Math.max(0, this.#perSecond - this.#count);
    return { allowed: this.#count <= this.#perSecond, header: `group=candles; min=600; sec=${remaining}` };
  }
}
