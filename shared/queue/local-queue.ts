import { randomUUID } from 'node:crypto';
import { type OutgoingMessage, SEND_BATCH_SIZE, type TaskMessage, type TaskQueue } from './task-queue.ts';

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** How many times it has been received, this time included (SQS's ApproximateReceiveCount). */
  receiveCount: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  visibleAt: number;
  receiveCount: number;
  receiptHandle?: string;
}

export interface LocalQueueOptions {
  visibilityTimeoutSeconds: number;
  /** After this many receives the next receive moves the message to the dead-letter queue instead. */
  maxReceiveCount?: number;
  deadLetterQueue?: LocalQueue;
  now?: () => number;
  /**
   * Fault drills only: a delete this returns true for is lost, as when a worker dies after its work
   * committed but before it acknowledged the message; the message reappears after its visibility timeout.
   */
  dropsDelete?: (message: ReceivedMessage) => boolean;
}

/**
 * An in-process queue with the parts of the SQS contract the pipeline relies on: per-message delay,
 * visibility timeout, receive counts, redrive to a dead-letter queue after N receives, batches of 10.
 */
export class LocalQueue implements TaskQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly now: () => number;

  constructor(private readonly options: LocalQueueOptions) {
    this.now = options.now ?? Date.now;
  }

  async sendBatch(messages: readonly OutgoingMessage[]): Promise<{ failedIds: string[] }> {
    if (messages.length > SEND_BATCH_SIZE)
      throw new RangeError(`a batch holds at most ${SEND_BATCH_SIZE} messages`);
    for (const m of messages) this.send(JSON.stringify(m.body satisfies TaskMessage), m.delaySeconds);
    return { failedIds: [] };
  }

  send(body: string, delaySeconds = 0): string {
    const messageId = randomUUID();
    this.messages.set(messageId, {
      messageId,
      body,
      visibleAt: this.now() + delaySeconds * 1000,
      receiveCount: 0,
    });
    return messageId;
  }

  /** Up to `max` visible messages, now hidden for the visibility timeout. */
  receive(max = 10): ReceivedMessage[] {
    const now = this.now();
    const received: ReceivedMessage[] = [];
    for (const m of this.messages.values()) {
      if (received.length >= max) break;
      if (m.visibleAt > now) continue;
      if (this.options.maxReceiveCount !== undefined && m.receiveCount >= this.options.maxReceiveCount) {
        this.messages.delete(m.messageId);
        this.options.deadLetterQueue?.send(m.body);
        continue;
      }
      m.receiveCount += 1;
      m.visibleAt = now + this.options.visibilityTimeoutSeconds * 1000;
      m.receiptHandle = randomUUID();
      received.push({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        receiveCount: m.receiveCount,
      });
    }
    return received;
  }

  /** Acknowledges a message; a stale receipt handle (the message was received again since) is ignored. */
  delete(receiptHandle: string): void {
    for (const m of this.messages.values()) {
      if (m.receiptHandle !== receiptHandle) continue;
      const { messageId, body, receiveCount } = m;
      if (this.options.dropsDelete?.({ messageId, receiptHandle, body, receiveCount })) return;
      this.messages.delete(messageId);
    }
  }

  /**
   * Replaces a received message by a new one with `body`, due in `delaySeconds` and received 0 times:
   * SQS's send-then-delete of a deferral, in one step (the drills' lost acknowledgements model lost
   * deletes after a commit, not this). A stale receipt handle changes nothing.
   * @returns whether the message was replaced.
   */
  resend(receiptHandle: string, body: string, delaySeconds: number): boolean {
    for (const m of this.messages.values()) {
      if (m.receiptHandle !== receiptHandle) continue;
      this.messages.delete(m.messageId);
      this.send(body, delaySeconds);
      return true;
    }
    return false;
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    for (const m of this.messages.values()) {
      if (m.receiptHandle === receiptHandle) m.visibleAt = this.now() + seconds * 1000;
    }
  }

  /** Messages not yet deleted (visible, delayed or in flight). */
  get size(): number {
    return this.messages.size;
  }

  /** When the next message becomes visible, or undefined when the queue is empty. */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values())
      next = next === undefined ? m.visibleAt : Math.min(next, m.visibleAt);
    return next;
  }
}
