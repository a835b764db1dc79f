import { cryptoCalendar } from './crypto.ts';
import type { CalendarId, ExchangeCalendar } from './types.ts';
import { xkrxCalendar } from './xkrx.ts';
import { xnysCalendar } from './xnys.ts';

export { CRYPTO_PUBLICATION_LAG_MS } from './crypto.ts';
export { CalendarRangeError, NotASessionError } from './errors.ts';
export type { CalendarId, ExchangeCalendar } from './types.ts';
export { XKRX_PUBLICATION_LAG_MS } from './xkrx.ts';
export { XNYS_PUBLICATION_LAG_MS } from './xnys.ts';

const calendars: Readonly<Record<CalendarId, ExchangeCalendar>> = {
  XNYS: xnysCalendar,
  XKRX: xkrxCalendar,
  '24/7': cryptoCalendar,
};

/**
 * The calendar of an exchange. Calendars are shared and build their session lists on first use.
 * Throws TypeError for an id that is not a CalendarId (validate ids at the edge; this is a backstop).
 */
export function getCalendar(id: CalendarId): ExchangeCalendar {
  const calendar = calendars[id];
  if (!calendar) throw new TypeError(`unknown calendar "${String(id)}"; expected one of XNYS, XKRX, 24/7`);
  return calendar;
}
