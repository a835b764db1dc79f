/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles (infra/lambda-bundling.ts aliases it
 * here). The SDK loads that module only when an operation streams events (its HttpProtocol imports it
 * lazily, so that clients can go without it: smithy-typescript#2093); no call the functions make
 * (SendMessage/SendMessageBatch/ChangeMessageVisibility, PutEvents, GetSecretValue) has an event stream,
 * and the codec is ~15 KB of every bundle. Tests and the CLI keep the real module.
 */
export class EventStreamsNotBundledError extends Error {
  override name = 'EventStreamsNotBundledError';
}

function refuse(): never {
  throw new EventStreamsNotBundledError(
    'an AWS SDK call needs event streams, which the Lambda bundles leave out: remove the ' +
      "'@smithy/core/event-streams' alias from infra/lambda-bundling.ts",
  );
}

/** @throws EventStreamsNotBundledError, always: no bundled operation streams events. */
export class EventStreamSerde {
  constructor() {
    refuse();
  }
}

/** @throws EventStreamsNotBundledError, always. */
export function eventStreamSerdeProvider(): never {
  return refuse();
}
