import { describe, expect, it } from 'vitest';
import { AllRecordsFailedError, consumeSqsBatch, type SqsConsumer } from '#shared/aws/sqs-consumer.ts';
import type { ConsumeOutcome } from '#shared/usecases/consume-outcome.ts';
import { WriteGroup } from '#shared/usecases/task-writes.ts';
import { sqsBatch } from '#test/reliability/bad-input/support/sqs-batch.ts';
import { recordingLog } from '#test/support/recording-log.ts';

/** A consumer whose outcome per message body is given; `throws` makes its handling throw. */
function consumer(outcomes: Record<string, ConsumeOutcome | 'throws'>, sent: string[] = []) {
  const log = recordingLog();
  const seen: (WriteGroup | undefined)[] = [];
  const counted: string[] = [];
  const spec: SqsConsumer = {
    name: 'ingest',
    consume: async (_ports, received, batch) => {
      seen.push(batch);
      const outcome = outcomes[received.body];
      if (outcome === 'throws' || outcome === undefined) throw new Error(`no outcome for ${received.body}`);
      return outcome;
    },
    writeGroup: (size) => new WriteGroup(size),
    ports: {
      deps: () => Promise.reject(new Error('not used')),
      log,
      metrics: { add: (name: string) => counted.push(name) },
    } as never,
    queue: {
      resend: async (message) => {
        sent.push(`resend ${message.taskId}`);
      },
      postpone: async (handle) => {
        sent.push(`postpone ${handle.slice(-1)}`);
      },
    },
  };
  return { spec, log, seen, counted };
}

const message = { taskId: 7, jobId: 1 };

describe("the SQS batch loop (sqs-consumer.ts), on Lambda's recorded event shape", () => {
  it('acknowledges done and deferred records and reports the others as batch item failures', async () => {
    // Prepare
    const sent: string[] = [];
    const { spec, seen } = consumer(
      {
        done: { kind: 'done', taskId: 1 },
        defer: { kind: 'defer', taskId: 2, message, delaySeconds: 60, reason: 'not yet' },
        retry: { kind: 'retry', taskId: 3, delaySeconds: 30, reason: 'HTTP 503' },
        poison: { kind: 'poison', taskId: 4, code: 'unknown-task', reason: 'no such task' },
      },
      sent,
    );
    const event = sqsBatch(['done', 'defer', 'retry', 'poison']);

    // Act
    const response = await consumeSqsBatch(event, spec);

    // Assess: the retried record is postponed and failed, the deferred one re-sent and acknowledged.
    const ids = event.Records.map((r) => r.messageId);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: ids[2] }, { itemIdentifier: ids[3] }]);
    expect(sent.sort()).toEqual(['postpone 2', 'resend 7']);
    // Every record of the batch is given the one group of that batch.
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toBeInstanceOf(WriteGroup);
  });

  it('fails only the record whose handling throws, logging it, and acknowledges the rest', async () => {
    // Prepare
    const { spec, log, counted } = consumer({ fine: { kind: 'done', taskId: 1 }, broken: 'throws' });
    const event = sqsBatch(['fine', 'broken']);

    // Act
    const response = await consumeSqsBatch(event, spec);

    // Assess
    const broken = event.Records[1]?.messageId;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken }] });
    expect(log.entries).toContainEqual(
      expect.objectContaining({ level: 'error', context: expect.objectContaining({ messageId: broken }) }),
    );
    expect(counted).toEqual(['RecordsFailed']);
  });

  it('fails the invocation when every record failed for a reason other than a deliberate retry', async () => {
    // Prepare
    const { spec } = consumer({
      a: { kind: 'error', taskId: 1, error: new Error('database down') },
      b: 'throws',
    });

    // Act and assess
    await expect(consumeSqsBatch(sqsBatch(['a', 'b']), spec)).rejects.toThrow(AllRecordsFailedError);
  });

  it('does not fail the invocation for a batch of deliberate retries', async () => {
    // Prepare
    const { spec } = consumer({ r: { kind: 'retry', taskId: 3, delaySeconds: 30, reason: 'HTTP 503' } });
    const event = sqsBatch(['r']);

    // Act
    const response = await consumeSqsBatch(event, spec);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
  });
});
