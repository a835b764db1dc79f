import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

export const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/market-data-dev-ingest';
export const BUS_NAME = 'market-data-dev';

/** The AWS SDK, mocked at its client boundary: every client instance of these classes answers here. */
export const sqs = mockClient(SQSClient);
export const eventBridge = mockClient(EventBridgeClient);
export const secrets = mockClient(SecretsManagerClient);

/**
 * Forgets every recorded call and answers SQS and EventBridge as a healthy AWS would. The secrets each
 * cold start registered stay answered: a warm instance may read them (again) in a later test.
 */
export function resetAws(): void {
  secrets.resetHistory();
  for (const client of [sqs, eventBridge]) client.reset();
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommand['input']) => ({
    Successful: (input.Entries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: randomUUID(),
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  sqs.on(SendMessageCommand).callsFake(() => ({ MessageId: randomUUID(), MD5OfMessageBody: '' }));
  eventBridge.on(PutEventsCommand).callsFake((input: PutEventsCommand['input']) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })),
  }));
}

/** The domain events the function put on the bus, in order, with their detail parsed. */
export function publishedEvents(): { bus?: string; source?: string; type?: string; detail: unknown }[] {
  return eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((e) => ({
      bus: e.EventBusName,
      source: e.Source,
      type: e.DetailType,
      detail: JSON.parse(e.Detail ?? 'null'),
    })),
  );
}
