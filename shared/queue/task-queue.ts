import { describeIssue } from '#shared/domain/errors.ts';
import * as z from '#shared/domain/zod.ts';

/** What one ingest message carries: the task to run and when it may start. */
export const taskMessageSchema = z.strictObject({
  taskId: z.number().check(z.int(), z.positive()),
  jobId: z.number().check(z.int(), z.positive()),
  /** ISO instant; a message that arrives earlier is put back until then. */
  notBefore: z.optional(z.iso.datetime()),
});
export type TaskMessage = z.infer<typeof taskMessageSchema>;

export interface OutgoingMessage {
  /** Unique within one batch. */
  id: string;
  body: TaskMessage;
  delaySeconds: number;
}

/** Why the queue turned one message of a batch down (SQS's BatchResultErrorEntry). */
export interface SendFailure {
  id: string;
  /** The queue's error code, e.g. InvalidParameterValue, InternalError. */
  code: string;
  /** The request itself is wrong (SQS SenderFault): sending it again cannot succeed. */
  senderFault: boolean;
  message?: string;
}

export interface SendBatchResult {
  /** The ids that were not accepted (the caller retries or records them). */
  failedIds: string[];
  /** Why, for each failed id, when the queue says (SQS does; the local queue never fails). */
  failures?: SendFailure[];
}

/** The sending side of the ingest queue: SQS on AWS, the in-process queue locally. */
export interface TaskQueue {
  /** Sends at most 10 messages (SQS's batch limit); see SendBatchResult for what was refused. */
  sendBatch(messages: readonly OutgoingMessage[]): Promise<SendBatchResult>;
}

/** The largest batch SQS accepts. */
export const SEND_BATCH_SIZE = 10;

/** A message body read as a task message, or what is wrong with it (one bounded line). */
export function readTaskMessage(body: string): { message: TaskMessage } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: 'the body is not JSON' };
  }
  const parsed = taskMessageSchema.safeParse(json);
  return parsed.success
    ? { message: parsed.data }
    : { problem: describeIssue(parsed.error.issues[0], 'body') };
}
