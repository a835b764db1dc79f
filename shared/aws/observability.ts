import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { Log, Metrics } from '#shared/domain/ports.ts';

/** One logger and one metrics object per function instance (service name from POWERTOOLS_SERVICE_NAME). */
export const logger = new Logger();
export const metrics = new PowertoolsMetrics({ namespace: 'MarketData' });

export const log: Log = {
  info: (message, context) => logger.info(message, { ...context }),
  warn: (message, context) => logger.warn(message, { ...context }),
  error: (message, context) => logger.error(message, { ...context }),
};

/** EMF metrics; one with dimensions of its own is emitted as a single metric so dimensions don't mix. */
export const emfMetrics: Metrics = {
  add(name, value, dimensions) {
    if (!dimensions || Object.keys(dimensions).length === 0) {
      metrics.addMetric(name, MetricUnit.Count, value);
      return;
    }
    const single = metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(name, MetricUnit.Count, value);
  },
};
