/**
 * `work`'s result, or a rejection with `onTimeout()`'s error once `ms` pass first. The timer is
 * cleared either way. `work` is abandoned, not cancelled: whatever it does later is the caller's to
 * guard.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
