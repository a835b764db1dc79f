import type { Alert, Log, Metrics } from '#shared/domain/ports.ts';
import { createDiscordAlerter } from './discord-alerter.ts';

/** An alarm notification Discord did not take; thrown so that Lambda retries the invocation, then parks it. */
export class AlertDeliveryError extends Error {
  override name = 'AlertDeliveryError';
}

export interface RelayAlarmsDeps {
  /**
   * The webhook URL, or undefined while the secret still holds its placeholder.
   * Throws when the secret cannot be read (then the invocation is retried like a failed post).
   */
  webhookUrl: () => Promise<string | undefined>;
  metrics: Metrics;
  log: Log;
  fetch?: typeof fetch;
}

/**
 * Relays alarm notifications to Discord so that none is lost silently (the notifier's use case).
 * 1. Read the webhook URL; a failed read throws.
 * 2. While the secret is the placeholder: count DiscordWebhookUnset (alarmed), log the alerts, return.
 *    Retrying cannot help until an operator sets the URL; the e-mail subscription, if any, has them.
 * 3. Post each alert; the first Discord refuses (5xx, 4xx, a 429 asking to wait too long, no answer) is
 *    counted as AlertsUndelivered and thrown.
 * @throws AlertDeliveryError (or the secret's read error): Lambda retries the asynchronous invocation
 * twice, then sends it to the on-failure destination, where an alarm watches it.
 */
export async function relayAlarms(alerts: readonly Alert[], deps: RelayAlarmsDeps): Promise<void> {
  const url = await deps.webhookUrl();
  if (!url) {
    deps.metrics.add('DiscordWebhookUnset', 1);
    for (const alert of alerts) {
      deps.log.warn('alert not posted: the Discord webhook secret still holds its placeholder', {
        title: alert.title,
        description: alert.description,
      });
    }
    return;
  }
  const discord = createDiscordAlerter({ webhookUrl: async () => url, log: deps.log, fetch: deps.fetch });
  for (const alert of alerts) {
    if ((await discord.send(alert)) === false) {
      deps.metrics.add('AlertsUndelivered', 1);
      throw new AlertDeliveryError(
        `Discord did not accept the alert "${alert.title.slice(0, 200)}" (the log line before says why); it is retried, then parked in the alert queue`,
      );
    }
  }
}
