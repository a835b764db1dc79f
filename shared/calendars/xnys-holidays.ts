import type { IsoDate } from '#shared/domain/daily-bar.ts';

/**
 * NYSE days that the regular holiday rules in xnys.ts do not produce.
 *
 * To add a closure the NYSE announces (a national day of mourning, a storm), add a line to
 * `nyseOneOffClosures`; for an unusual early close, add it to `nyseOneOffEarlyCloses` with its local
 * close time. Regular early closes (day after Thanksgiving, Christmas Eve, around July 4) are rules.
 * 1990-2023 was checked against the exchange_calendars answer key (shared/fixtures/calendars/xnys.csv).
 */

export const nyseOneOffClosures: Readonly<Record<IsoDate, string>> = {
  '1994-04-27': 'national day of mourning for President Nixon',
  '2001-09-11': 'September 11 attacks',
  '2001-09-12': 'September 11 attacks',
  '2001-09-13': 'September 11 attacks',
  '2001-09-14': 'September 11 attacks',
  '2004-06-11': 'national day of mourning for President Reagan',
  '2007-01-02': 'national day of mourning for President Ford',
  '2012-10-29': 'Hurricane Sandy',
  '2012-10-30': 'Hurricane Sandy',
  '2018-12-05': 'national day of mourning for President George H. W. Bush',
  '2025-01-09': 'national day of mourning for President Carter',
};

/** Local (America/New_York) close times, `HH:MM`, of early closes outside the rules. */
export const nyseOneOffEarlyCloses: Readonly<Record<IsoDate, string>> = {
  // Before 1993 the regular early closes were at 14:00 and not every year had them.
  '1990-12-24': '14:00',
  '1991-12-24': '14:00',
  '1992-11-27': '14:00',
  '1992-12-24': '14:00',
  '1997-12-26': '13:00',
  '1999-12-31': '13:00',
  '2003-12-26': '13:00',
};
