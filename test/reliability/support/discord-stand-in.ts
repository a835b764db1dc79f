import type { DiscordEmbed } from '#shared/alerts/discord-message.ts';
import { startWebhookServer } from '#test/alerts/support/webhook-server.ts';
import type { RecordingLog } from '#test/support/recording-log.ts';

/** How the stand-in behaves: answers 204, answers each alert's first post 429, or is not there at all. */
export type DiscordMode = 'up' | 'rate-limited' | 'down';

export interface DiscordStandIn {
  /** A webhook URL as Discord issues it; the local runtime posts to it as given (http is fine). */
  url: string;
  /** Alert titles in the order they were posted, one entry per post, with the status answered. */
  posts: { title: string; status: number }[];
  stop(): Promise<void>;
}

/** Discord's 429 for a webhook: JSON with retry_after in seconds (API v10). */
const RATE_LIMITED = {
  status: 429,
  body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.05, global: false }),
};

/** A local Discord webhook in the given mode. 'down' is a port nobody listens on: connections are refused. */
export async function startDiscordStandIn(mode: DiscordMode): Promise<DiscordStandIn> {
  const server = await startWebhookServer();
  const posts: DiscordStandIn['posts'] = [];
  const url = `${server.url}/api/webhooks/1234567890/drill-token`;
  if (mode === 'down') {
    await server.close();
    return { url, posts, stop: async () => {} };
  }
  server.answer((index) => {
    const body = server.received[index]?.body as { embeds?: DiscordEmbed[] } | undefined;
    const title = body?.embeds?.[0]?.title ?? '';
    const firstOfItsAlert = !posts.some((p) => p.title === title);
    const answer = mode === 'rate-limited' && firstOfItsAlert ? RATE_LIMITED : { status: 204 };
    posts.push({ title, status: answer.status });
    return answer;
  });
  return { url, posts, stop: () => server.close() };
}

export interface AlertLedger {
  /** Finished jobs that did not fully succeed: each should be alerted about once. */
  expected: number;
  /** Alerts Discord accepted (2xx), all jobs together. */
  delivered: number;
  /** Alerts the alerter gave up on and logged instead (Discord down or still limiting). */
  undeliverable: number;
  /** Posts made, retries included. */
  posts: number;
  /**
   * Job ids alerted wrongly: a successful job alerted at all, or a failed one whose alert was not
   * delivered exactly once, nor (Discord down) tried and logged undeliverable at least once.
   */
  notOnce: number[];
}

/**
 * Counts, per job, the alerts Discord accepted and those the alerter logged as undeliverable: a job
 * that did not fully succeed must be delivered exactly once or, while Discord is down, tried again
 * with each delivery of its message (at least once); a successful job gets none.
 */
export function alertLedger(
  jobs: readonly { id: number; status: string }[],
  discord: DiscordStandIn,
  log: RecordingLog,
): AlertLedger {
  const undeliverable = log.entries
    .filter((e) => e.message === 'alert could not be sent')
    .map((e) => String(e.context?.title));
  const delivered = discord.posts.filter((p) => p.status >= 200 && p.status < 300).map((p) => p.title);
  const about = (titles: string[], jobId: number) =>
    titles.filter((t) => t.startsWith(`backfill job ${jobId} ended `)).length;
  const alertedRightly = (job: { id: number; status: string }) => {
    const sent = about(delivered, job.id);
    const tried = about(undeliverable, job.id);
    if (job.status === 'success') return sent + tried === 0;
    return sent === 1 || (sent === 0 && tried >= 1);
  };
  const notOnce = jobs.filter((job) => !alertedRightly(job)).map((job) => job.id);
  return {
    expected: jobs.filter((j) => j.status !== 'success').length,
    delivered: delivered.length,
    undeliverable: undeliverable.length,
    posts: discord.posts.length,
    notOnce,
  };
}
