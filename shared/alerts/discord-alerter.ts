import type { Alert, Alerter, Log } from '#shared/domain/ports.ts';
import { discordMessages } from './discord-message.ts';

export interface DiscordAlerterOptions {
  /** Resolved lazily (a cached secret on AWS) so a missing webhook never fails start-up. */
  webhookUrl: () => Promise<string | undefined>;
  log: Log;
  /** Rate-limit waits longer than this give up on the message (an alert must not hold up its caller). */
  maxWaitMs?: number;
  attempts?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Posts alerts to a Discord webhook. Never throws: a failure is logged with the alert's title and the
 * caller carries on. The URL is pinned to API v10, where 429 retry_after is in seconds (unversioned
 * webhook URLs answer in milliseconds). The URL itself, a secret, is never logged.
 */
export function createDiscordAlerter(options: DiscordAlerterOptions): Alerter {
  const post = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const attempts = options.attempts ?? 3;
  return {
    async send(alert: Alert) {
      try {
        const url = await options.webhookUrl();
        if (!url) {
          options.log.warn('alert not sent: no Discord webhook configured', {
            title: alert.title,
            description: alert.description,
          });
          return true;
        }
        const target = pinApiVersion(url);
        if (!URL.canParse(target)) {
          options.log.error('alert not sent: the Discord webhook setting is not a URL', {
            title: alert.title,
          });
          return false;
        }
        for (const body of discordMessages(alert, new Date())) {
          await postOne(target, body);
        }
        return true;
      } catch (error) {
        // Whatever failed, the message must not carry the webhook's id and token (a secret).
        const reason = (error as Error).message.replace(/\/webhooks\/[^\s/]+\/[^\s/"']+/g, '/webhooks/***');
        options.log.error('alert could not be sent', { title: alert.title, error: reason });
        return false;
      }
    },
  };

  async function postOne(url: string, body: unknown): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const response = await post(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.ok) return;
      if (response.status !== 429 || attempt >= attempts) {
        throw new Error(`Discord answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      }
      const waitMs = await retryAfterMs(response);
      if (waitMs > maxWaitMs)
        throw new Error(`Discord rate limit asks to wait ${waitMs} ms, more than ${maxWaitMs} ms`);
      await sleep(waitMs);
    }
  }
}

async function retryAfterMs(response: Response): Promise<number> {
  const body = (await response.json().catch(() => ({}))) as { retry_after?: number };
  if (typeof body.retry_after === 'number') return Math.ceil(body.retry_after * 1000);
  const header = Number(response.headers.get('retry-after'));
  return Number.isFinite(header) ? header * 1000 : 1_000;
}

function pinApiVersion(url: string): string {
  return url.replace(/\/api\/webhooks\//, '/api/v10/webhooks/');
}
