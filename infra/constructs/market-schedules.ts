import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  type CronOptionsWithTimezone,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CalendarId } from '#shared/calendars/types.ts';
import type { StageName } from '../config.ts';
import { functionVersionsFinding } from '../nag.ts';

/**
 * When each market is collected, in the market's own time zone (so daylight saving needs no edits).
 * Times in UTC are for comparing them with the freshness run below.
 */
const COLLECT_SCHEDULES: ReadonlyArray<{
  calendar: CalendarId;
  name: string;
  cron: CronOptionsWithTimezone;
}> = [
  // NYSE closes 16:00; Yahoo publishes the final daily bar within ~2 h. 22:30 UTC (EDT) / 23:30 UTC (EST).
  {
    calendar: 'XNYS',
    name: 'collect-xnys',
    cron: { weekDay: 'MON-FRI', hour: '18', minute: '30', timeZone: TimeZone.AMERICA_NEW_YORK },
  },
  // KRX closes 15:30 and its after-hours session ends 18:00. Korea has no DST: always 09:00 UTC.
  {
    calendar: 'XKRX',
    name: 'collect-xkrx',
    cron: { weekDay: 'MON-FRI', hour: '18', minute: '0', timeZone: TimeZone.ASIA_SEOUL },
  },
  // Upbit's daily candle closes at 00:00 UTC (09:00 KST); 30 minutes later the day is final.
  { calendar: '24/7', name: 'collect-crypto', cron: { hour: '0', minute: '30', timeZone: TimeZone.ETC_UTC } },
];

/**
 * Freshness at 02:00 UTC, after every collect of the day: crypto (00:30 UTC) 1.5 h earlier, the US
 * (22:30/23:30 UTC) 2.5-3.5 h earlier, KRX (09:00 UTC) 17 h earlier. A day's collection is ~140 tasks
 * drained in minutes at the providers' rates, so each has finished, retries included, by then.
 */
const FRESHNESS_CRON: CronOptionsWithTimezone = { hour: '2', minute: '0', timeZone: TimeZone.ETC_UTC };

/**
 * The reaper every 30 minutes: a job whose fan-out crashed or whose worker died ends (and alerts) at
 * most 30 minutes after its deadline (an hour of silence; shared/usecases/reap-tasks.ts).
 */
const REAPER_RATE = Duration.minutes(30);

export interface MarketSchedulesProps {
  readonly stage: StageName;
  readonly collect: IFunction;
  readonly freshness: IFunction;
  readonly reaper: IFunction;
  /** Receives invocations the scheduler could not deliver after its retries. */
  readonly deadLetterQueue: IQueue;
}

/**
 * EventBridge Scheduler schedules: one collect per market after its close, then the freshness check;
 * and the reaper every 30 minutes.
 */
export class MarketSchedules extends Construct {
  readonly schedules: Schedule[];

  constructor(scope: Construct, id: string, props: MarketSchedulesProps) {
    super(scope, id);
    // One role for all schedules, assumable by EventBridge Scheduler on behalf of this account only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `market-data ${props.stage} schedules: invoke collect, freshness and the reaper`,
    });
    for (const fn of [props.collect, props.freshness, props.reaper]) {
      Validations.of(role).acknowledge({
        id: functionVersionsFinding(fn),
        reason:
          'CDK grants invoke on the function and its versions/aliases (ARN:*); it is still this one function.',
      });
    }
    const target = (fn: IFunction, payload: object) =>
      new LambdaInvoke(fn, {
        role,
        input: ScheduleTargetInput.fromObject(payload),
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 3,
        // A collect delivered hours late is still useful (it re-plans the last sessions); a day late is not.
        maxEventAge: Duration.hours(6),
      });

    this.schedules = COLLECT_SCHEDULES.map(
      ({ calendar, name, cron }) =>
        new Schedule(this, name, {
          scheduleName: `market-data-${props.stage}-${name}`,
          description: `Collect the ${calendar} sessions after the market's close`,
          schedule: ScheduleExpression.cron(cron),
          target: target(props.collect, { calendar }),
        }),
    );
    this.schedules.push(
      new Schedule(this, 'freshness', {
        scheduleName: `market-data-${props.stage}-freshness`,
        description: "Compare each asset's latest stored session with its calendar; alert on stale assets",
        schedule: ScheduleExpression.cron(FRESHNESS_CRON),
        target: target(props.freshness, {}),
      }),
      new Schedule(this, 'reaper', {
        scheduleName: `market-data-${props.stage}-reaper`,
        description: 'Fail tasks pending or running past their deadline, so their jobs end and alert',
        schedule: ScheduleExpression.rate(REAPER_RATE),
        target: target(props.reaper, {}),
      }),
    );
  }
}
