/** The providers' hosts cannot be reached at all (no network, DNS, firewall): nothing can be fetched. */
export class ProvidersUnreachableError extends Error {
  override name = 'ProvidersUnreachableError';
}

/**
 * Fails fast, before a job is planned, when a provider's host does not answer at all. Any HTTP answer
 * counts as reachable (the root path may well be a 404); only network-level failures do not.
 * @throws ProvidersUnreachableError naming the host and the way out.
 */
export async function assertReachable(baseUrls: readonly string[], timeoutMs = 5_000): Promise<void> {
  await Promise.all(
    baseUrls.map(async (url) => {
      try {
        const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
        await response.body?.cancel();
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        throw new ProvidersUnreachableError(
          `cannot reach ${new URL(url).origin} (${reason}): check the network, or add --offline to use the local market server`,
        );
      }
    }),
  );
}
