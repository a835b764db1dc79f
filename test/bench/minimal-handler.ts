import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The `bundles` benchmark's baseline: the least a Powertools function carries (a Logger), bundled as
 * the pipeline's functions are. Not deployed.
 */
const logger = new Logger();

export const handler = async (event: unknown) => {
  logger.info('invoked', { event });
  return {};
};
