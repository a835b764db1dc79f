import type { HttpOutcome } from '#shared/http/client.ts';
import type { FetchOutcome } from './types.ts';

type HttpFailure = Exclude<HttpOutcome, { kind: 'ok' }>;

/**
 * Maps an HTTP failure to the fetch outcome the ingest use case acts on, with `context` (provider,
 * symbol, range) in front of the reason. `errorText` pulls a provider's own error message out of a body.
 */
export function fromHttpFailure(
  failure: HttpFailure,
  context: string,
  errorText: (body: string) => string | null,
): FetchOutcome {
  switch (failure.kind) {
    case 'not-found':
      return { kind: 'not-found', reason: `${context}: ${errorText(failure.body) ?? 'HTTP 404'}` };
    case 'rate-limited':
      return {
        kind: 'rate-limited',
        retryAfterMs: failure.retryAfterMs,
        reason: `${context}: ${failure.reason}`,
      };
    case 'failed':
      return { kind: 'failed', reason: `${context}: ${failure.reason}`, retryable: failure.retryable };
  }
}

/** Parses JSON without throwing: the value, or the parser's complaint. */
export function parseJson(body: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Puts `context` (provider, symbol, range) in front of a failure's reason; an `ok` passes unchanged. */
export function withContext(outcome: FetchOutcome, context: string): FetchOutcome {
  return outcome.kind === 'ok' ? outcome : { ...outcome, reason: `${context}: ${outcome.reason}` };
}
