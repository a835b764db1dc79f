import type { IsoDate } from '#shared/domain/daily-bar.ts';

/**
 * Korea Exchange (KRX) holidays: the one place to edit them.
 *
 * HOW TO ADD A YEAR (KRX publishes next year's closures in December; elections and temporary
 * holidays are announced during the year, add them as soon as they are):
 *   1. Add `YYYY: { seollal, buddhasBirthday, chuseok }` to `krxYears`: the solar dates of lunar 1/1,
 *      4/8 and 8/15 in the Korean lunar calendar (test/calendars/xkrx-holidays.test.ts checks them
 *      against ICU's `dangi` calendar). The days before and after Seollal and Chuseok are added
 *      by the rules in xkrx.ts.
 *   2. Add `closures` for every other day the market is shut that year, with the reason: substitute
 *      holidays (대체공휴일), elections, temporary holidays (임시공휴일), one-offs (a reason the
 *      constants below name: the constant).
 *   3. Add `csat`, the college entrance exam (수능) day, when the Ministry of Education fixes it:
 *      the market opens and closes an hour late so as not to disturb the exam.
 * The calendar's lastDate follows the last year of `krxYears`. Weekends, the fixed-date holidays
 * below and the year-end closure are rules in xkrx.ts and need no entries.
 *
 * 1990-2026 reproduces the exchange_calendars answer key (shared/fixtures/calendars/xkrx.csv).
 * 2027-2030 are derived from the lunar calendar and the substitute-holiday law; elections there are
 * the statutory dates (Public Official Election Act art. 34) until the election commission confirms.
 */

// The reasons most years repeat, named once: a minified bundle keeps every string literal as written.
export const YEAR_END = 'year-end closure';
const PRESIDENTIAL_ELECTION = 'presidential election';
const ASSEMBLY_ELECTION = 'National Assembly election';
const LOCAL_ELECTIONS = 'local elections';
const TEMPORARY_HOLIDAY = 'temporary holiday';
const NOT_GIVEN = 'closure in the KRX record (reason not given)';
const SEOLLAL_ON_SUNDAY = 'substitute: Seollal on a Sunday';
const CHUSEOK_ON_SUNDAY = 'substitute: Chuseok on a Sunday';
const CHILDRENS_DAY_ON_SUNDAY = "substitute: Children's Day on a Sunday";

/** A holiday on the same solar date every year it applies (inclusive year bounds). */
export interface KrxFixedHoliday {
  monthDay: `${number}-${number}`;
  name: string;
  firstYear?: number;
  lastYear?: number;
}

export const krxFixedHolidays: readonly KrxFixedHoliday[] = [
  { monthDay: '01-01', name: "New Year's Day" },
  { monthDay: '01-02', name: 'New Year holiday', lastYear: 1998 },
  { monthDay: '03-01', name: 'Independence Movement Day' },
  { monthDay: '03-10', name: 'Labour Day (moved to May 1 in 1994)', lastYear: 1993 },
  { monthDay: '04-05', name: 'Arbor Day', lastYear: 2005 },
  { monthDay: '05-01', name: 'Labour Day', firstYear: 1994 },
  { monthDay: '05-05', name: "Children's Day" },
  { monthDay: '06-06', name: 'Memorial Day' },
  { monthDay: '07-17', name: 'Constitution Day', lastYear: 2007 },
  { monthDay: '08-15', name: 'Liberation Day' },
  { monthDay: '10-01', name: 'Armed Forces Day', lastYear: 1990 },
  { monthDay: '10-03', name: 'National Foundation Day' },
  { monthDay: '10-09', name: 'Hangul Day', lastYear: 1990 },
  { monthDay: '10-09', name: 'Hangul Day', firstYear: 2013 },
  { monthDay: '12-25', name: 'Christmas' },
];

export interface KrxYear {
  /** Seollal, lunar new year (음력 1/1); the days before and after are closed too. */
  seollal: IsoDate;
  /** Buddha's Birthday (음력 4/8). */
  buddhasBirthday: IsoDate;
  /** Chuseok (음력 8/15); the days before and after are closed too. */
  chuseok: IsoDate;
  /** Every other closure of the year, with its reason. */
  closures?: Readonly<Record<IsoDate, string>>;
  /** College entrance exam (수능) days: the session opens and closes late. */
  csat?: readonly IsoDate[];
}

export const krxYears: Readonly<Record<number, KrxYear>> = {
  1990: {
    seollal: '1990-01-27',
    buddhasBirthday: '1990-05-02',
    chuseok: '1990-10-03',
    closures: {
      '1990-12-27': YEAR_END,
      '1990-12-28': YEAR_END,
      '1990-12-31': YEAR_END,
    },
  },
  1991: {
    seollal: '1991-02-15',
    buddhasBirthday: '1991-05-21',
    chuseok: '1991-09-22',
    closures: {
      '1991-03-26': 'local council elections',
      '1991-06-20': 'provincial council elections',
      '1991-12-27': YEAR_END,
      '1991-12-30': YEAR_END,
      '1991-12-31': YEAR_END,
    },
  },
  1992: {
    seollal: '1992-02-04',
    buddhasBirthday: '1992-05-10',
    chuseok: '1992-09-11',
    closures: {
      '1992-03-24': ASSEMBLY_ELECTION,
      '1992-12-18': PRESIDENTIAL_ELECTION,
      '1992-12-28': YEAR_END,
      '1992-12-29': YEAR_END,
      '1992-12-30': YEAR_END,
      '1992-12-31': YEAR_END,
    },
  },
  1993: {
    seollal: '1993-01-23',
    buddhasBirthday: '1993-05-28',
    chuseok: '1993-09-30',
    closures: {
      '1993-07-07': NOT_GIVEN,
      '1993-12-29': YEAR_END,
      '1993-12-30': YEAR_END,
      '1993-12-31': YEAR_END,
    },
    // The first CSAT year held the exam twice.
    csat: ['1993-08-20', '1993-11-16'],
  },
  1994: {
    seollal: '1994-02-10',
    buddhasBirthday: '1994-05-18',
    chuseok: '1994-09-20',
    closures: {
      '1994-01-03': 'start-of-year closure',
      '1994-02-14': NOT_GIVEN,
      '1994-05-20': NOT_GIVEN,
      '1994-12-29': YEAR_END,
      '1994-12-30': YEAR_END,
      '1994-12-31': YEAR_END,
    },
    csat: ['1994-11-23'],
  },
  1995: {
    seollal: '1995-01-31',
    buddhasBirthday: '1995-05-07',
    chuseok: '1995-09-09',
    closures: {
      '1995-12-29': YEAR_END,
      '1995-12-30': YEAR_END,
    },
    csat: ['1995-11-22'],
  },
  1996: {
    seollal: '1996-02-19',
    buddhasBirthday: '1996-05-24',
    chuseok: '1996-09-27',
    closures: {
      '1996-12-30': YEAR_END,
      '1996-12-31': YEAR_END,
    },
    csat: ['1996-11-13'],
  },
  1997: {
    seollal: '1997-02-08',
    buddhasBirthday: '1997-05-14',
    chuseok: '1997-09-16',
    closures: {
      '1997-12-18': PRESIDENTIAL_ELECTION,
      '1997-12-29': YEAR_END,
      '1997-12-30': YEAR_END,
      '1997-12-31': YEAR_END,
    },
    csat: ['1997-11-19'],
  },
  1998: {
    seollal: '1998-01-28',
    buddhasBirthday: '1998-05-03',
    chuseok: '1998-10-05',
    closures: {
      '1998-12-29': YEAR_END,
      '1998-12-30': YEAR_END,
      '1998-12-31': YEAR_END,
    },
    csat: ['1998-11-18'],
  },
  1999: {
    seollal: '1999-02-16',
    buddhasBirthday: '1999-05-22',
    chuseok: '1999-09-24',
    closures: {
      '1999-12-29': YEAR_END,
      '1999-12-30': YEAR_END,
      '1999-12-31': YEAR_END,
    },
    csat: ['1999-11-17'],
  },
  2000: {
    seollal: '2000-02-05',
    buddhasBirthday: '2000-05-11',
    chuseok: '2000-09-12',
    closures: {
      '2000-01-03': 'start-of-year closure (Y2K)',
      '2000-04-13': ASSEMBLY_ELECTION,
      '2000-12-27': YEAR_END,
      '2000-12-28': YEAR_END,
      '2000-12-29': YEAR_END,
    },
    csat: ['2000-11-15'],
  },
  2001: {
    seollal: '2001-01-24',
    buddhasBirthday: '2001-05-01',
    chuseok: '2001-10-01',
    csat: ['2001-11-07'],
  },
  2002: {
    seollal: '2002-02-12',
    buddhasBirthday: '2002-05-19',
    chuseok: '2002-09-21',
    closures: {
      '2002-06-13': LOCAL_ELECTIONS,
      '2002-07-01': 'temporary holiday (World Cup)',
      '2002-12-19': PRESIDENTIAL_ELECTION,
    },
    csat: ['2002-11-06'],
  },
  2003: {
    seollal: '2003-02-01',
    buddhasBirthday: '2003-05-08',
    chuseok: '2003-09-11',
    csat: ['2003-11-05'],
  },
  2004: {
    seollal: '2004-01-22',
    buddhasBirthday: '2004-05-26',
    chuseok: '2004-09-28',
    closures: {
      '2004-04-15': ASSEMBLY_ELECTION,
    },
    csat: ['2004-11-17'],
  },
  2005: {
    seollal: '2005-02-09',
    buddhasBirthday: '2005-05-15',
    chuseok: '2005-09-18',
    csat: ['2005-11-23'],
  },
  2006: {
    seollal: '2006-01-29',
    buddhasBirthday: '2006-05-05',
    chuseok: '2006-10-06',
    closures: {
      '2006-05-31': LOCAL_ELECTIONS,
    },
    csat: ['2006-11-16'],
  },
  2007: {
    seollal: '2007-02-18',
    buddhasBirthday: '2007-05-24',
    chuseok: '2007-09-25',
    closures: {
      '2007-12-19': PRESIDENTIAL_ELECTION,
    },
    csat: ['2007-11-15'],
  },
  2008: {
    seollal: '2008-02-07',
    buddhasBirthday: '2008-05-12',
    chuseok: '2008-09-14',
    closures: {
      '2008-04-09': ASSEMBLY_ELECTION,
    },
    csat: ['2008-11-13'],
  },
  2009: {
    seollal: '2009-01-26',
    buddhasBirthday: '2009-05-02',
    chuseok: '2009-10-03',
    csat: ['2009-11-12'],
  },
  2010: {
    seollal: '2010-02-14',
    buddhasBirthday: '2010-05-21',
    chuseok: '2010-09-22',
    closures: {
      '2010-06-02': LOCAL_ELECTIONS,
    },
    csat: ['2010-11-18'],
  },
  2011: {
    seollal: '2011-02-03',
    buddhasBirthday: '2011-05-10',
    chuseok: '2011-09-12',
    csat: ['2011-11-10'],
  },
  2012: {
    seollal: '2012-01-23',
    buddhasBirthday: '2012-05-28',
    chuseok: '2012-09-30',
    closures: {
      '2012-04-11': ASSEMBLY_ELECTION,
      '2012-12-19': PRESIDENTIAL_ELECTION,
    },
    csat: ['2012-11-08'],
  },
  2013: {
    seollal: '2013-02-10',
    buddhasBirthday: '2013-05-17',
    chuseok: '2013-09-19',
    csat: ['2013-11-07'],
  },
  2014: {
    seollal: '2014-01-31',
    buddhasBirthday: '2014-05-06',
    chuseok: '2014-09-08',
    closures: {
      '2014-06-04': LOCAL_ELECTIONS,
      '2014-09-10': CHUSEOK_ON_SUNDAY,
    },
    csat: ['2014-11-13'],
  },
  2015: {
    seollal: '2015-02-19',
    buddhasBirthday: '2015-05-25',
    chuseok: '2015-09-27',
    closures: {
      '2015-08-14': 'temporary holiday (70th Liberation Day)',
      '2015-09-29': CHUSEOK_ON_SUNDAY,
    },
    csat: ['2015-11-12'],
  },
  2016: {
    seollal: '2016-02-08',
    buddhasBirthday: '2016-05-14',
    chuseok: '2016-09-15',
    closures: {
      '2016-02-10': SEOLLAL_ON_SUNDAY,
      '2016-04-13': ASSEMBLY_ELECTION,
      '2016-05-06': TEMPORARY_HOLIDAY,
    },
    csat: ['2016-11-17'],
  },
  2017: {
    seollal: '2017-01-28',
    buddhasBirthday: '2017-05-03',
    chuseok: '2017-10-04',
    closures: {
      '2017-01-30': SEOLLAL_ON_SUNDAY,
      '2017-05-09': PRESIDENTIAL_ELECTION,
      '2017-10-02': TEMPORARY_HOLIDAY,
      '2017-10-06': 'substitute: Chuseok on National Foundation Day',
    },
    // The exam was postponed by a week after the Pohang earthquake; the answer key has late hours on both days.
    csat: ['2017-11-16', '2017-11-23'],
  },
  2018: {
    seollal: '2018-02-16',
    buddhasBirthday: '2018-05-22',
    chuseok: '2018-09-24',
    closures: {
      '2018-05-07': "substitute: Children's Day on a Saturday",
      '2018-06-13': LOCAL_ELECTIONS,
      '2018-09-26': CHUSEOK_ON_SUNDAY,
    },
    csat: ['2018-11-15'],
  },
  2019: {
    seollal: '2019-02-05',
    buddhasBirthday: '2019-05-12',
    chuseok: '2019-09-13',
    closures: {
      '2019-05-06': CHILDRENS_DAY_ON_SUNDAY,
    },
    csat: ['2019-11-14'],
  },
  2020: {
    seollal: '2020-01-25',
    buddhasBirthday: '2020-04-30',
    chuseok: '2020-10-01',
    closures: {
      '2020-01-27': SEOLLAL_ON_SUNDAY,
      '2020-04-15': ASSEMBLY_ELECTION,
      '2020-08-17': TEMPORARY_HOLIDAY,
    },
    csat: ['2020-12-03'],
  },
  2021: {
    seollal: '2021-02-12',
    buddhasBirthday: '2021-05-19',
    chuseok: '2021-09-21',
    closures: {
      '2021-08-16': 'substitute: Liberation Day on a Sunday',
      '2021-10-04': 'substitute: National Foundation Day on a Sunday',
      '2021-10-11': 'substitute: Hangul Day on a Saturday',
    },
    csat: ['2021-11-18'],
  },
  2022: {
    seollal: '2022-02-01',
    buddhasBirthday: '2022-05-08',
    chuseok: '2022-09-10',
    closures: {
      '2022-03-09': PRESIDENTIAL_ELECTION,
      '2022-06-01': LOCAL_ELECTIONS,
      '2022-09-12': CHUSEOK_ON_SUNDAY,
      '2022-10-10': 'substitute: Hangul Day on a Sunday',
    },
    csat: ['2022-11-17'],
  },
  2023: {
    seollal: '2023-01-22',
    buddhasBirthday: '2023-05-27',
    chuseok: '2023-09-29',
    closures: {
      '2023-01-24': SEOLLAL_ON_SUNDAY,
      '2023-05-29': "substitute: Buddha's Birthday on a Saturday",
      '2023-10-02': TEMPORARY_HOLIDAY,
    },
    csat: ['2023-11-16'],
  },
  2024: {
    seollal: '2024-02-10',
    buddhasBirthday: '2024-05-15',
    chuseok: '2024-09-17',
    closures: {
      '2024-02-12': SEOLLAL_ON_SUNDAY,
      '2024-04-10': ASSEMBLY_ELECTION,
      '2024-05-06': CHILDRENS_DAY_ON_SUNDAY,
      '2024-10-01': 'temporary holiday (Armed Forces Day)',
    },
    csat: ['2024-11-14'],
  },
  2025: {
    seollal: '2025-01-29',
    buddhasBirthday: '2025-05-05',
    chuseok: '2025-10-06',
    closures: {
      '2025-01-27': TEMPORARY_HOLIDAY,
      '2025-03-03': 'substitute: Independence Movement Day on a Saturday',
      '2025-05-06': "substitute: Children's Day on Buddha's Birthday",
      '2025-06-03': PRESIDENTIAL_ELECTION,
      '2025-10-08': CHUSEOK_ON_SUNDAY,
    },
    csat: ['2025-11-13'],
  },
  2026: {
    seollal: '2026-02-17',
    buddhasBirthday: '2026-05-24',
    chuseok: '2026-09-25',
    closures: {
      '2026-03-02': 'substitute: Independence Movement Day on a Sunday',
      '2026-05-25': "substitute: Buddha's Birthday on a Sunday",
      '2026-06-03': LOCAL_ELECTIONS,
      '2026-08-17': 'substitute: Liberation Day on a Saturday',
      '2026-10-05': 'substitute: National Foundation Day on a Saturday',
    },
    // Fixed by the Ministry of Education in 2024; the answer key predates KRX's notice for that day.
    csat: ['2026-11-19'],
  },
  2027: {
    seollal: '2027-02-07',
    buddhasBirthday: '2027-05-13',
    chuseok: '2027-09-15',
    closures: {
      '2027-02-09': SEOLLAL_ON_SUNDAY,
      '2027-08-16': 'substitute: Liberation Day on a Sunday',
      '2027-10-04': 'substitute: National Foundation Day on a Sunday',
      '2027-10-11': 'substitute: Hangul Day on a Saturday',
      '2027-12-27': 'substitute: Christmas on a Saturday',
    },
    csat: ['2027-11-18'],
  },
  // CSAT days from 2028 on are not announced yet (the ministry fixes them about two years ahead).
  2028: {
    seollal: '2028-01-27',
    buddhasBirthday: '2028-05-02',
    chuseok: '2028-10-03',
    closures: {
      '2028-04-12': 'National Assembly election (statutory date, not yet announced)',
      '2028-10-05': 'substitute: Chuseok on National Foundation Day',
    },
  },
  2029: {
    seollal: '2029-02-13',
    buddhasBirthday: '2029-05-20',
    chuseok: '2029-09-22',
    closures: {
      '2029-05-07': "substitute: Children's Day on a Saturday",
      '2029-05-21': "substitute: Buddha's Birthday on a Sunday",
      '2029-09-24': CHUSEOK_ON_SUNDAY,
    },
  },
  2030: {
    seollal: '2030-02-03',
    buddhasBirthday: '2030-05-09',
    chuseok: '2030-09-12',
    closures: {
      '2030-02-05': SEOLLAL_ON_SUNDAY,
      '2030-03-27': 'presidential election (statutory date, not yet announced)',
      '2030-05-06': CHILDRENS_DAY_ON_SUNDAY,
      '2030-06-12': 'local elections (statutory date, not yet announced)',
    },
  },
};
