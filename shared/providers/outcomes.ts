import { cleanText } from '#shared/domain/text.ts';
import type { HttpOutcome } from '#shared/http/client.ts';
import type { FetchOutcome } from './types.ts';

type HttpFailure = Exclude<HttpOutcome, { kind: 'ok' }>;

/**
 * Maps an HTTP failure to the fetch outcome the ingest use case acts on, with `context` (provider,
 * symbol, range) in front of the reason. `errorText` pulls a provider's own error message out of a body.
 * Every reason leaves here one line long, bounded and free of control characters (cleanText).
 */
export function fromHttpFailure(
  failure: HttpFailure,
  context: string,
  errorText: (body: string) => string | null,
): FetchOutcome {
  const reason = (text: string) => cleanText(`${context}: ${text}`);
  switch (failure.kind) {
    case 'not-found':
      return { kind: 'not-found', reason: reason(errorText(failure.body) ?? 'HTTP 404') };
    case 'rate-limited':
      return { kind: 'rate-limited', retryAfterMs: failure.retryAfterMs, reason: reason(failure.reason) };
    case 'failed':
      return { kind: 'failed', reason: reason(failure.reason), retryable: failure.retryable };
    case 'invalid-response':
      return { kind: 'invalid-response', reason: reason(failure.reason) };
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

/**
 * Puts `context` (provider, symbol, range) in front of a failure's reason, cleaned and bounded like
 * fromHttpFailure's; an `ok` passes unchanged.
 */
export function withContext(outcome: FetchOutcome, context: string): FetchOutcome {
  return outcome.kind === 'ok' ? outcome : { ...outcome, reason: cleanText(`${context}: ${outcome.reason}`) };
}
