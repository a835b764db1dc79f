import { type CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The id of the AwsSolutions-IAM5 finding for a grant on `<function ARN>:*`, which CDK adds next to the
 * function's own ARN so that its versions and aliases can be invoked too.
 */
export function functionVersionsFinding(fn: IConstruct): string {
  const stack = Stack.of(fn);
  const logicalId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as CfnResource));
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`;
}
