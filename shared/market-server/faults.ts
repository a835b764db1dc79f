import type { MarketProvider } from './market-data.ts';
import type { Faults } from './options.ts';
import { jsonReply, type Reply, textReply } from './reply.ts';
import { UPBIT_NOT_FOUND } from './upbit-candles.ts';
import { YAHOO_NOT_FOUND } from './yahoo-chart.ts';

export type FaultKind =
  | 'hang'
  | 'latency'
  | 'rate429'
  | 'rate5xx'
  | 'malformed'
  | 'truncated'
  | 'nullBar'
  | 'failingSymbol'
  | 'hostile';

/** What one request will suffer, decided on arrival. */
export interface FaultPlan {
  hang: boolean;
  latencyMs: number;
  /** Answer this instead of the route's reply. */
  failure: { kind: 'rate429' | 'rate5xx' | 'failingSymbol'; status: number } | null;
  /** Spoil a 200 from the route this way. */
  corruption: 'malformed' | 'truncated' | null;
}

/**
 * Decides the faults of one request from `random` (seeded per request). Every knob draws on every
 * request, so changing one rate never shifts the decisions of the others.
 */
export function planFaults(faults: Faults, random: () => number, symbol: string): FaultPlan {
  const draw = {
    hang: random(),
    latency: random(),
    limited: random(),
    unavailable: random(),
    which: random(),
    malformed: random(),
    truncated: random(),
  };
  const { latencyMs: range } = faults;
  const latencyMs =
    typeof range === 'number' ? range : range.min + Math.floor(draw.latency * (range.max - range.min + 1));
  const failingStatus = faults.failingSymbols[symbol];
  let failure: FaultPlan['failure'] = null;
  if (failingStatus !== undefined) failure = { kind: 'failingSymbol', status: failingStatus };
  else if (draw.limited < faults.rate429) failure = { kind: 'rate429', status: 429 };
  else if (draw.unavailable < faults.rate5xx)
    failure = { kind: 'rate5xx', status: draw.which < 0.5 ? 502 : 503 };
  let corruption: FaultPlan['corruption'] = null;
  if (draw.malformed < faults.malformedRate) corruption = 'malformed';
  else if (draw.truncated < faults.truncatedRate) corruption = 'truncated';
  return {
    hang: draw.hang < faults.hangRate,
    latencyMs: Math.min(latencyMs, 2 ** 31 - 1),
    failure,
    corruption,
  };
}

/** The 429 each service really sends: Yahoo's edge in plain text with Retry-After, Upbit's JSON error. */
export function tooManyRequests(provider: MarketProvider, retryAfterSeconds: number): Reply {
  if (provider === 'yahoo') {
    return textReply(429, 'Edge: Too Many Requests', { 'retry-after': String(retryAfterSeconds) });
  }
  return jsonReply(429, { error: { name: 'too_many_requests', message: 'Too many API requests.' } });
}

/** An error with `status` in the provider's own words (404 is the delisted-symbol answer). */
export function failureReply(provider: MarketProvider, status: number, faults: Faults): Reply {
  if (status === 429) return tooManyRequests(provider, faults.retryAfterSeconds);
  if (status === 404) return jsonReply(404, provider === 'yahoo' ? YAHOO_NOT_FOUND : UPBIT_NOT_FOUND);
  if (status === 502 || status === 503) {
    // What a load balancer in front of either service answers, not the service's JSON.
    return textReply(status, status === 502 ? 'Bad Gateway' : 'Service Unavailable');
  }
  const message = `simulated failure (HTTP ${status})`;
  return provider === 'yahoo'
    ? jsonReply(status, {
        chart: { result: null, error: { code: 'Internal Server Error', description: message } },
      })
    : jsonReply(status, { error: { name: status, message } });
}

/** A 200 spoiled: valid JSON of the wrong shape, or the real body cut in half. */
export function corrupt(provider: MarketProvider, reply: Reply, how: 'malformed' | 'truncated'): Reply {
  if (how === 'truncated') return { ...reply, body: reply.body.slice(0, Math.floor(reply.body.length / 2)) };
  const body = provider === 'yahoo' ? { chart: { result: [{ foo: 1 }], error: null } } : [{ foo: 1 }];
  return jsonReply(200, body, reply.headers);
}
