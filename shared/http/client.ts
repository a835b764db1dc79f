import { cleanText } from '#shared/domain/text.ts';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.ts';
import { type Clock, systemClock } from './clock.ts';
import { HttpConfigError, summariseIssues } from './errors.ts';
import { type HttpPolicy, type HttpPolicyInput, httpPolicySchema } from './policy.ts';
import type { RateBudget } from './rate-budget.ts';
import { readCappedBody } from './read-body.ts';

/**
 * What a GET came to once retries are over. Expected failures are values, not exceptions: 5xx, 408,
 * timeouts and network errors are retried here and end as `failed` (retryable); 404 and other 4xx are
 * never retried; 429 is retried while its Retry-After is short, 418 (Upbit's IP block) never is. A body
 * over the policy's maxBodyBytes is not read further and is `invalid-response` (never retried).
 */
export type HttpOutcome =
  | { kind: 'ok'; status: number; headers: Headers; body: string; attempts: number }
  | { kind: 'not-found'; body: string; attempts: number }
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string; attempts: number }
  | { kind: 'failed'; reason: string; retryable: boolean; attempts: number }
  | { kind: 'invalid-response'; reason: string; attempts: number };

export interface HttpClient {
  readonly policy: HttpPolicy;
  /** GETs `url` under the policy; never throws for HTTP or network failures. */
  get(url: string): Promise<HttpOutcome>;
}

export interface HttpClientDependencies {
  /** Acquired before every attempt, retries included; paused when the server asks us to wait. */
  rateBudget?: RateBudget;
  /** Sent with every request, e.g. user-agent. */
  headers?: Record<string, string>;
  /** Sees the headers of every response that arrived in full, e.g. to read rate-limit hints. */
  onResponse?: (headers: Headers) => void;
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

type Settled = {
  [K in HttpOutcome['kind']]: Omit<Extract<HttpOutcome, { kind: K }>, 'attempts'>;
}[HttpOutcome['kind']];
type Failure = Extract<Settled, { kind: 'failed' | 'rate-limited' }>;
type Read = Awaited<ReturnType<typeof readCappedBody>>;
/** One attempt: settled, or worth another try (after `waitMs` when the server named a wait). */
type Attempt = { settled: Settled } | { retry: { waitMs: number | null; whenExhausted: Failure } };

/**
 * A fetch wrapper with a per-attempt timeout, retries with exponential backoff and jitter, Retry-After
 * honoured, and a rate budget. Throws HttpConfigError when the policy is invalid.
 */
export function createHttpClient(
  policyInput: HttpPolicyInput = {},
  dependencies: HttpClientDependencies = {},
): HttpClient {
  const parsed = httpPolicySchema.safeParse(policyInput);
  if (!parsed.success) {
    const issues = summariseIssues(parsed.error);
    throw new HttpConfigError(`http client: invalid options: ${issues}`, { cause: parsed.error });
  }
  const policy = parsed.data;
  const { rateBudget, onResponse, clock = systemClock, random = Math.random } = dependencies;
  const headers = { accept: 'application/json', ...dependencies.headers };

  async function attemptOnce(url: string): Promise<Attempt> {
    let response: Response;
    let read: Read;
    try {
      response = await fetch(url, { headers, signal: AbortSignal.timeout(policy.timeoutMs) });
      // Inside the timeout too: a body that never ends is a hang; one past the cap is not read on.
      read = await readCappedBody(response, policy.maxBodyBytes);
    } catch (error) {
      const failed: Failure = { kind: 'failed', reason: describe(error, policy.timeoutMs), retryable: true };
      return { retry: { waitMs: null, whenExhausted: failed } };
    }
    if (!read.ok)
      return { settled: { kind: 'invalid-response', reason: `HTTP ${response.status}: ${read.reason}` } };
    onResponse?.(response.headers);
    return classify(response, read.body);
  }

  function classify(response: Response, body: string): Attempt {
    const { status } = response;
    if (status >= 200 && status < 300) {
      return { settled: { kind: 'ok', status, headers: response.headers, body } };
    }
    if (status === 404) return { settled: { kind: 'not-found', body } };
    // Only for a failure: cleaning an excerpt of every 200 body is work no one reads.
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), clock.now());
    const tooLong = retryAfterMs !== null && retryAfterMs > policy.maxRetryAfterMs;
    const reason = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}${excerpt(body)}`;
    if (status === 418 || status === 429) {
      const fallback = status === 418 ? policy.blockedRetryAfterMs : policy.defaultRetryAfterMs;
      const limited: Failure = { kind: 'rate-limited', retryAfterMs: retryAfterMs ?? fallback, reason };
      if (status === 418 || tooLong) return { settled: limited };
      return { retry: { waitMs: retryAfterMs, whenExhausted: limited } };
    }
    if (status === 408 || status >= 500) {
      const failed: Failure = { kind: 'failed', reason, retryable: true };
      return tooLong ? { settled: failed } : { retry: { waitMs: retryAfterMs, whenExhausted: failed } };
    }
    return { settled: { kind: 'failed', reason, retryable: false } };
  }

  function finish(outcome: Settled, attempts: number): HttpOutcome {
    // Every request of this provider would hit the same limit: hold them all, not only the caller.
    if (outcome.kind === 'rate-limited') rateBudget?.pauseFor(outcome.retryAfterMs);
    return { ...outcome, attempts };
  }

  async function get(url: string): Promise<HttpOutcome> {
    for (let attempt = 1; ; attempt++) {
      const held = rateBudget?.pausedForMs() ?? 0;
      if (held > policy.maxRetryAfterMs) {
        // Sending now would only extend the block (Upbit escalates it); let the caller re-schedule.
        const reason = `not sent: ${Math.ceil(held / 1000)} s remain of a wait the server asked for`;
        return { kind: 'rate-limited', retryAfterMs: held, reason, attempts: attempt - 1 };
      }
      await rateBudget?.acquire();
      const result = await attemptOnce(url);
      if ('settled' in result) return finish(result.settled, attempt);
      const { waitMs, whenExhausted } = result.retry;
      if (attempt >= policy.maxAttempts) {
        const gaveUp = `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
        return finish({ ...whenExhausted, reason: `${whenExhausted.reason} (${gaveUp})` }, attempt);
      }
      if (waitMs !== null) rateBudget?.pauseFor(waitMs);
      await clock.sleep(waitMs ?? backoffDelayMs(attempt - 1, policy, random));
    }
  }

  return { policy, get };
}

/** Node's fetch reports socket failures as TypeError('fetch failed') with the real error as `cause`. */
function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return `network error: ${String(cause)}`;
  const code = (cause as { code?: unknown }).code;
  return `network error: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}`;
}

/** The start of a response body, enough to tell "Edge: Too Many Requests" from a JSON error. */
function excerpt(body: string): string {
  const text = cleanText(body, 200);
  return text === '' ? '' : `: ${text}`;
}
