import type { PriceProvider } from '#shared/providers/index.ts';
import type { OutgoingMessage, TaskQueue } from '#shared/queue/task-queue.ts';

/**
 * The sending side of a queue that delivers every message twice, as a standard SQS queue may: each
 * message reaches `inner` a second time as an independent copy. The copies become visible a few
 * milliseconds after the originals, so that a worker receives them in a batch of their own while
 * another works the originals in the same order: the two deliveries of each task run at the same time.
 */
const COPY_LAG_SECONDS = 0.005;

export class DuplicatingQueue implements TaskQueue {
  constructor(private readonly inner: TaskQueue) {}

  async sendBatch(messages: readonly OutgoingMessage[]): Promise<{ failedIds: string[] }> {
    const first = await this.inner.sendBatch(messages);
    const copies = messages.map((m) => ({ ...m, delaySeconds: m.delaySeconds + COPY_LAG_SECONDS }));
    const second = await this.inner.sendBatch(copies);
    return { failedIds: [...new Set([...first.failedIds, ...second.failedIds])] };
  }
}

/**
 * Whether `key` falls in a seeded share of all keys: the same seed picks the same keys on every run.
 * (A multiplicative hash of seed and key, enough to pick a subset of task ids, not a random generator.)
 */
export function inSeededShare(seed: number, key: number, share: number): boolean {
  const hash = Math.imul(key ^ seed, 0x9e3779b1) >>> 0;
  return hash / 2 ** 32 < share;
}

/**
 * A provider for two deliveries of one task racing each other: the first fetch gets the real answer
 * but returns it only once `overtaken()` resolves; every later fetch answers with an unreadable body.
 * So the slow delivery succeeds after a duplicate has already failed the task.
 */
export function overtakenProvider(real: PriceProvider, overtaken: () => Promise<void>): PriceProvider {
  let fetches = 0;
  return {
    name: real.name,
    async fetchDailyBars(request) {
      fetches += 1;
      if (fetches > 1) return { kind: 'invalid-response', reason: 'body is not JSON (cut short in a drill)' };
      const outcome = await real.fetchDailyBars(request);
      await overtaken();
      return outcome;
    },
  };
}
