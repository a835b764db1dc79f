import { Duration, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FailedInvocationsProps {
  /** Functions invoked asynchronously (EventBridge Scheduler, SNS, `aws lambda invoke --invocation-type Event`). */
  readonly functions: readonly IFunction[];
  /** What the parked records are, for the acknowledgement and the reader of the template. */
  readonly purpose: string;
  /** Older events are parked rather than retried (the payload's worth runs out). */
  readonly maxEventAge: Duration;
}

/**
 * Keeps the asynchronous invocations that failed: Lambda runs a failed one twice more (the default,
 * stated here) and then sends an invocation record (requestPayload, responsePayload with the error,
 * approximateInvokeCount) to this queue instead of dropping it. Without it a collect or notifier that
 * throws three times leaves only a log line. The queue is alarmed on by the observability stack.
 */
export class FailedInvocations extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FailedInvocationsProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      // The longest SQS keeps anything: a weekend's failures are still there on Monday.
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is a dead-letter queue itself (Lambda on-failure destination: ${props.purpose}); it is alarmed on and read by hand.`,
    });
    for (const fn of props.functions) {
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(this.queue),
        retryAttempts: 2,
        maxEventAge: props.maxEventAge,
      });
    }
  }
}
