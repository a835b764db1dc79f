import { describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { emptyAnswerFailure } from '#shared/usecases/empty-answer.ts';

const CONTEXT = 'yahoo SPY 2024-01-02..2024-01-31';
/** January 2024 on the NYSE: 21 sessions. */
const JANUARY = getCalendar('XNYS').sessionsBetween('2024-01-02', '2024-01-31');

describe('emptyAnswerFailure', () => {
  it('makes an answer with no bars for sessions the calendar has a retryable failure naming them', () => {
    expect(emptyAnswerFailure({ bars: [], context: CONTEXT }, JANUARY)).toEqual({
      kind: 'failed',
      retryable: true,
      reason: `${CONTEXT}: the provider answered no bars for 21 sessions the calendar has (2024-01-02..2024-01-31)`,
    });
  });

  it('accepts an answer with bars, however few', () => {
    expect(emptyAnswerFailure({ bars: [{}], context: CONTEXT }, JANUARY)).toBeUndefined();
  });

  it('accepts no bars for a range without sessions (a holiday week-end)', () => {
    const none = getCalendar('XNYS').sessionsBetween('2024-12-25', '2024-12-25');
    expect(emptyAnswerFailure({ bars: [], context: CONTEXT }, none)).toBeUndefined();
  });

  it('accepts no bars for a range that ends before the listing date', () => {
    expect(emptyAnswerFailure({ bars: [], context: CONTEXT }, JANUARY, '2024-06-03')).toBeUndefined();
  });

  it('expects bars only for the sessions from the listing date on', () => {
    expect(emptyAnswerFailure({ bars: [], context: CONTEXT }, JANUARY, '2024-01-29')?.reason).toBe(
      `${CONTEXT}: the provider answered no bars for 3 sessions the calendar has (2024-01-29..2024-01-31)`,
    );
  });
});
