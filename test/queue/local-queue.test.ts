import { describe, expect, it } from 'vitest';
import { LocalQueue } from '#shared/queue/local-queue.ts';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const message = (taskId: number, delaySeconds = 0) => ({
  id: String(taskId),
  body: { taskId, jobId: 1 },
  delaySeconds,
});

describe('LocalQueue', () => {
  it('holds a delayed message until its delay has passed', async () => {
    const time = clock();
    const queue = new LocalQueue({ visibilityTimeoutSeconds: 30, now: time.now });
    await queue.sendBatch([message(1, 5)]);
    expect(queue.receive()).toHaveLength(0);
    time.advance(5_000);
    expect(queue.receive().map((m) => JSON.parse(m.body).taskId)).toEqual([1]);
  });

  it('hides a received message for the visibility timeout, then delivers it again with a higher count', async () => {
    const time = clock();
    const queue = new LocalQueue({ visibilityTimeoutSeconds: 30, now: time.now });
    await queue.sendBatch([message(1)]);
    expect(queue.receive()[0]?.receiveCount).toBe(1);
    time.advance(29_999);
    expect(queue.receive()).toHaveLength(0);
    time.advance(1);
    expect(queue.receive()[0]?.receiveCount).toBe(2);
  });

  it('forgets a deleted message and ignores a stale receipt handle', async () => {
    const time = clock();
    const queue = new LocalQueue({ visibilityTimeoutSeconds: 1, now: time.now });
    await queue.sendBatch([message(1)]);
    const [first] = queue.receive();
    time.advance(1_000);
    const [second] = queue.receive();
    queue.delete(first?.receiptHandle ?? '');
    expect(queue.size).toBe(1);
    queue.delete(second?.receiptHandle ?? '');
    expect(queue.size).toBe(0);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const time = clock();
    const dlq = new LocalQueue({ visibilityTimeoutSeconds: 30, now: time.now });
    const queue = new LocalQueue({
      visibilityTimeoutSeconds: 1,
      maxReceiveCount: 3,
      deadLetterQueue: dlq,
      now: time.now,
    });
    await queue.sendBatch([message(7)]);
    for (let i = 0; i < 3; i++) {
      expect(queue.receive()).toHaveLength(1);
      time.advance(1_000);
    }
    expect(queue.receive()).toHaveLength(0);
    expect(queue.size).toBe(0);
    expect(JSON.parse(dlq.receive()[0]?.body ?? '{}')).toEqual({ taskId: 7, jobId: 1 });
  });

  it('delivers at most the requested batch size and refuses batches over 10 on send', async () => {
    const queue = new LocalQueue({ visibilityTimeoutSeconds: 30 });
    await queue.sendBatch(Array.from({ length: 10 }, (_, i) => message(i + 1)));
    await queue.sendBatch([message(11)]);
    expect(queue.receive(10)).toHaveLength(10);
    expect(queue.receive(10)).toHaveLength(1);
    await expect(queue.sendBatch(Array.from({ length: 11 }, (_, i) => message(i)))).rejects.toThrow(
      /at most 10/,
    );
  });

  it('changes the visibility of an in-flight message', async () => {
    const time = clock();
    const queue = new LocalQueue({ visibilityTimeoutSeconds: 30, now: time.now });
    await queue.sendBatch([message(1)]);
    const [m] = queue.receive();
    queue.changeVisibility(m?.receiptHandle ?? '', 2);
    time.advance(2_000);
    expect(queue.receive()).toHaveLength(1);
    expect(queue.nextVisibleAt()).toBe(32_000);
  });

  it('replaces a re-sent message by a new one, due after its delay and received 0 times', async () => {
    // Prepare: a queue that dead-letters on the second receive.
    const time = clock();
    const dlq = new LocalQueue({ visibilityTimeoutSeconds: 30, now: time.now });
    const queue = new LocalQueue({
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 1,
      deadLetterQueue: dlq,
      now: time.now,
    });
    await queue.sendBatch([message(1)]);
    const [first] = queue.receive();

    // Act
    const replaced = queue.resend(first?.receiptHandle ?? '', '{"taskId":1,"jobId":1}', 60);

    // Assess: hidden for its delay, then a first receive again (not dead-lettered).
    expect(replaced).toBe(true);
    expect(queue.size).toBe(1);
    time.advance(59_999);
    expect(queue.receive()).toHaveLength(0);
    time.advance(1);
    const [again] = queue.receive();
    expect(again).toMatchObject({ receiveCount: 1, body: '{"taskId":1,"jobId":1}' });
    expect(again?.messageId).not.toBe(first?.messageId);
    expect(dlq.size).toBe(0);
  });
});
