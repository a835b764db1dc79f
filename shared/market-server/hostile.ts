import type { MarketProvider } from './market-data.ts';
import { jsonReply, type Reply } from './reply.ts';

/** The hostile answers the `hostile` fault knob serves instead of a route's 200. */
export const HOSTILE_KINDS = ['farTimestamp', 'longText', 'controlText', 'hugeBody', 'noBars'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/**
 * What the terminal escapes of `controlText` would do if printed raw: retitle the window, clear the
 * screen, write "echo pwned" to the clipboard (OSC 52), and an 8-bit CSI (U+009B).
 */
export const HOSTILE_CONTROLS = '\u001b]0;owned\u0007\u001b[2J\u001b]52;c;ZWNobyBwd25lZA==\u0007\u009b31m';

/** 1 MB, as long as the timezone that once became a 1,000,104-character task error. */
const LONG_TEXT = 'A'.repeat(1_000_000);

/**
 * The route's 200 made hostile, not broken: still the API's shape, but with a timestamp beyond
 * JavaScript's Date range (Yahoo; Upbit: a year 275760 candle), a 1 MB string where a short one
 * belongs (Yahoo's timezone, Upbit's market), escape sequences in the provider's own error text
 * (Yahoo's chart.error in a 200, Upbit's JSON error as a 404), the real body behind `hugeBytes`
 * bytes of white space (still valid JSON), or no bars at all for a listed symbol (`noBars`: Yahoo's
 * chart without `timestamp` and with an empty quote, as in its empty recording; Upbit's empty array).
 */
export function hostileReply(
  provider: MarketProvider,
  reply: Reply,
  kind: HostileKind,
  hugeBytes: number,
): Reply {
  if (kind === 'hugeBody') return { ...reply, body: ' '.repeat(hugeBytes) + reply.body };
  if (kind === 'controlText') {
    const description = `${HOSTILE_CONTROLS} No data found, symbol may be delisted`;
    return provider === 'yahoo'
      ? jsonReply(200, { chart: { result: null, error: { code: 'Bad Request', description } } })
      : jsonReply(404, { error: { name: `${HOSTILE_CONTROLS}404`, message: description } });
  }
  const body = JSON.parse(reply.body);
  if (provider === 'yahoo') {
    const result = body.chart.result[0];
    if (kind === 'noBars') {
      delete result.timestamp;
      result.indicators = { quote: [{}] };
    }
    if (kind === 'farTimestamp' && result.timestamp?.length) result.timestamp[0] = 1e13;
    if (kind === 'longText') result.meta.exchangeTimezoneName = LONG_TEXT;
  } else if (kind === 'noBars') {
    return { ...reply, body: '[]' };
  } else if (Array.isArray(body) && body.length > 0) {
    if (kind === 'farTimestamp') body[0].candle_date_time_utc = '+275760-09-14T00:00:00';
    if (kind === 'longText') body[0].market = LONG_TEXT;
  }
  return { ...reply, body: JSON.stringify(body) };
}
