import { RuleBasedCalendar } from './session-table.ts';

/**
 * Crypto markets never close; providers cut the daily bar at 00:00 UTC and publish it within
 * about an hour, so the lag is shorter than for exchanges.
 */
export const CRYPTO_PUBLICATION_LAG_MS = 60 * 60 * 1000;

/** Every UTC date is a session that "closes" at 24:00 UTC, i.e. 00:00 UTC of the next date. */
export const cryptoCalendar = new RuleBasedCalendar({
  id: '24/7',
  timezone: 'UTC',
  firstDate: '1990-01-01',
  lastDate: '2030-12-31',
  publicationLagMs: CRYPTO_PUBLICATION_LAG_MS,
  buildSessionTest: () => () => true,
  closeMinutes: () => 24 * 60,
});
