import { z } from 'zod';

/** What one ingest message carries: the task to run and when it may start. */
export const taskMessageSchema = z.object({
  taskId: z.number().int().positive(),
  jobId: z.number().int().positive(),
  /** ISO instant; a message that arrives earlier is put back until then. */
  notBefore: z.iso.datetime().optional(),
});
export type TaskMessage = z.infer<typeof taskMessageSchema>;

export interface OutgoingMessage {
  /** Unique within one batch. */
  id: string;
  body: TaskMessage;
  delaySeconds: number;
}

/** The sending side of the ingest queue: SQS on AWS, the in-process queue locally. */
export interface TaskQueue {
  /**
   * Sends at most 10 messages (SQS's batch limit).
   * @returns the ids that were not accepted (the caller retries or records them).
   */
  sendBatch(messages: readonly OutgoingMessage[]): Promise<{ failedIds: string[] }>;
}

/** The largest batch SQS accepts. */
export const SEND_BATCH_SIZE = 10;
