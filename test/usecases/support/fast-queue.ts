import { LocalRuntime, type LocalRuntimeOptions } from '#shared/local/runtime.ts';

/**
 * A LocalRuntime whose queues run `speed` times faster than the wall clock, so that the ingest's
 * retry delays (30 s and up) and visibility timeouts pass in a fraction of a second while everything
 * else (HTTP, database, `deps.now`) keeps real time.
 *
 * LocalRuntime takes no clock for its queues, and LocalQueue reads `Date.now` once, when it is built:
 * the fast clock is lent to it for the constructor's (synchronous) duration only.
 */
export function runtimeWithFastQueue(options: LocalRuntimeOptions, speed: number): LocalRuntime {
  const wallNow = Date.now;
  const origin = wallNow();
  Date.now = () => origin + (wallNow() - origin) * speed;
  try {
    return new LocalRuntime(options);
  } finally {
    Date.now = wallNow;
  }
}
