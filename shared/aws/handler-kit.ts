import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describeIssue, InputError } from '#shared/domain/errors.ts';
import * as z from '#shared/domain/zod.ts';
import { logger, metrics } from './observability.ts';

/**
 * The payload a function was invoked with. Scheduler and EventBridge rule events carry it in `detail`
 * (an object, or a JSON string for EventBridge Scheduler's own events); direct invocations carry it as is.
 * @throws InputError with the function name and the first problem, e.g. "collect: calendar: ...".
 */
export function parsePayload<T>(name: string, schema: z.ZodMiniType<T>, event: unknown): T {
  let payload = event;
  if (event && typeof event === 'object' && 'detail-type' in event && 'detail' in event) {
    const detail = (event as { detail: unknown }).detail;
    try {
      payload = typeof detail === 'string' ? JSON.parse(detail) : detail;
    } catch {
      throw new InputError(`${name}: the event's detail is not JSON`);
    }
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new InputError(`${name}: ${describeIssue(parsed.error.issues[0], 'payload')}`);
  return parsed.data;
}

/** A handler with the standard middleware: Powertools logger context and EMF metrics flushing. */
export function withObservability<E, R>(main: (event: E, context: Context) => Promise<R>) {
  return middy(main)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

export const calendarPayloadSchema = z.strictObject({ calendar: z.enum(['XNYS', 'XKRX', '24/7']) });
