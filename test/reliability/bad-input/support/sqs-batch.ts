import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { type MockInstance, vi } from 'vitest';
import { awsEvent } from '#test/functions/support/aws-events.ts';

/** A recorded SQS delivery to Lambda; each record of a batch is a copy of its first record. */
const TEMPLATE = 'sqs-batch-2records.powertools-ts.json';

/**
 * An SQS batch as Lambda delivers it, one record per body, each with a message id, receipt handle and
 * body digest of its own; every other field is the recorded record's.
 */
export function sqsBatch(bodies: readonly string[]): SQSEvent {
  const template = awsEvent<SQSEvent>(TEMPLATE).Records[0] as SQSRecord;
  return {
    Records: bodies.map((body, i) => ({
      ...template,
      messageId: randomUUID(),
      receiptHandle: `${template.receiptHandle}${i}`,
      body,
      md5OfBody: createHash('md5').update(body).digest('hex'),
    })),
  };
}

/**
 * The error each failed record of a batch was reported with, keyed by message id. The batch response
 * carries only the ids; the reasons are read from the line the consumer logs for each failed record
 * (reportFailedRecord), as whoever finds the message in the DLQ reads them.
 */
export function recordFailures(): {
  reasons(): Map<string, Error>;
  spy: MockInstance;
} {
  const spy = vi.spyOn(Logger.prototype, 'error');
  return {
    spy,
    reasons: () =>
      new Map(
        spy.mock.calls.flatMap(([, attributes]) => {
          const { messageId, errorName, error } = (attributes ?? {}) as Record<string, string>;
          if (messageId === undefined) return [];
          return [[messageId, Object.assign(new Error(error), { name: errorName })] as const];
        }),
      ),
  };
}
