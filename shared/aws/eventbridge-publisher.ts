import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { DomainEvent, EventPublisher } from '#shared/domain/ports.ts';

const SOURCE = 'market-data';
/** PutEvents takes at most 10 entries. */
const BATCH = 10;

/**
 * Domain events on the pipeline's bus, detail-type = event type. A rejected entry is an error: the
 * caller's record (job row, market_sessions row) already exists, so the failure is logged with it.
 */
export function createEventBridgePublisher(client: EventBridgeClient, busName: string): EventPublisher {
  return {
    async publish(events: readonly DomainEvent[]) {
      for (let i = 0; i < events.length; i += BATCH) {
        const batch = events.slice(i, i + BATCH);
        const result = await client.send(
          new PutEventsCommand({
            Entries: batch.map((e) => ({
              EventBusName: busName,
              Source: SOURCE,
              DetailType: e.type,
              Detail: JSON.stringify(e.detail),
            })),
          }),
        );
        if (result.FailedEntryCount) {
          const reasons = (result.Entries ?? [])
            .filter((e) => e.ErrorCode)
            .map((e) => `${e.ErrorCode}: ${e.ErrorMessage}`);
          throw new Error(`EventBridge rejected ${result.FailedEntryCount} events: ${reasons.join('; ')}`);
        }
      }
    },
  };
}
