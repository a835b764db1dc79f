import { describe, expect, it } from 'vitest';
import {
  EventStreamSerde,
  EventStreamsNotBundledError,
  eventStreamSerdeProvider,
} from '#shared/aws/lambda-event-streams.ts';

// The bundles alias '@smithy/core/event-streams' to this stand-in (infra/lambda-bundling.ts).
describe('the event-stream stand-in of the Lambda bundles', () => {
  it('refuses to build a codec, saying which alias to remove', () => {
    // Act
    const building = () => new EventStreamSerde();

    // Assess
    expect(building).toThrow(EventStreamsNotBundledError);
    expect(building).toThrow(
      /remove the '@smithy\/core\/event-streams' alias from infra\/lambda-bundling.ts/,
    );
  });

  it('refuses to provide a marshaller, with the same error', () => {
    // Act
    const providing = () => eventStreamSerdeProvider();

    // Assess
    expect(providing).toThrow(EventStreamsNotBundledError);
  });
});
