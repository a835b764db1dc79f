import { InputError } from '#shared/domain/errors.ts';
import type { Log, Metrics } from '#shared/domain/ports.ts';
import type { TaskMessage } from '#shared/queue/task-queue.ts';

/** Why a message can never succeed; the Reason dimension of the RecordsFailed metric. */
export type PoisonCode = 'unreadable' | 'unknown-task' | 'wrong-job';

/** The RecordsFailed Reason of every failed record: a poison code, or `error` for a redelivered one. */
export type RecordFailureReason = PoisonCode | 'error';

/**
 * A message that can never succeed: not a task message, a task that does not exist, or a task of
 * another job. Thrown before anything is written (an InputError: the message cannot be carried out).
 */
export class PoisonMessageError extends InputError {
  override name = 'PoisonMessageError';
  constructor(
    readonly code: PoisonCode,
    message: string,
  ) {
    super(message);
  }
}

/** A message as any queue delivers it. */
export interface ReceivedTaskMessage {
  messageId: string;
  body: string;
  /** How many times it has been received, this time included (SQS's ApproximateReceiveCount). */
  receiveCount: number;
}

/**
 * What a queue adapter does with a consumed message:
 * - done: acknowledge (delete) it;
 * - defer: send `message` again as a new message due in `delaySeconds` and acknowledge this one, so the
 *   wait (not yet due, rate limit) uses up no receive;
 * - retry: the same message again in `delaySeconds` (a transient failure: counts as an attempt);
 * - poison: it can never succeed; nothing was changed; leave it to reach the dead-letter queue;
 * - error: an unexpected failure; leave it to be redelivered after the visibility timeout.
 * Poison and error were logged and counted (RecordsFailed) by the consumer.
 */
export type ConsumeOutcome =
  | { kind: 'done'; taskId: number }
  | { kind: 'defer'; taskId: number; message: TaskMessage; delaySeconds: number; reason: string }
  | { kind: 'retry'; taskId: number; delaySeconds: number; reason: string }
  | { kind: 'poison'; taskId?: number; code: PoisonCode; reason: string }
  | { kind: 'error'; taskId?: number; error: Error };

/** The two ports a failure is reported on; available even when the pipeline's dependencies are not. */
export type FailureReporting = { log: Log; metrics: Metrics };

/** Longest error text put in one log line (provider answers can be arbitrarily long). */
const ERROR_TEXT_MAX = 500;

/**
 * Logs a failed record (messageId, taskId, receive count, error name and message) and counts it in
 * RecordsFailed by reason, so an alarm sees it long before the dead-letter queue does.
 */
export function reportFailedRecord(
  ports: FailureReporting,
  consumer: 'ingest' | 'dead-letter',
  received: ReceivedTaskMessage,
  failure: Extract<ConsumeOutcome, { kind: 'poison' | 'error' }>,
): void {
  const reason: RecordFailureReason = failure.kind === 'poison' ? failure.code : 'error';
  const error =
    failure.kind === 'poison'
      ? { name: 'PoisonMessageError', message: failure.reason }
      : { name: failure.error.name, message: failure.error.message };
  ports.log.error(`${consumer}: message failed (${reason})`, {
    messageId: received.messageId,
    taskId: failure.taskId,
    receiveCount: received.receiveCount,
    errorName: error.name,
    error: error.message.slice(0, ERROR_TEXT_MAX),
  });
  ports.metrics.add('RecordsFailed', 1, { Reason: reason });
}

/** An error as the failure outcome it maps to: a PoisonMessageError is poison, anything else an error. */
export function failureOf(
  error: unknown,
  taskId?: number,
): Extract<ConsumeOutcome, { kind: 'poison' | 'error' }> {
  if (error instanceof PoisonMessageError)
    return { kind: 'poison', taskId, code: error.code, reason: error.message };
  return { kind: 'error', taskId, error: error instanceof Error ? error : new Error(String(error)) };
}
