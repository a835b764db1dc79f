import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiscordEmbed } from '#shared/alerts/discord-message.ts';

export interface WebhookPost {
  path: string;
  body: { embeds: DiscordEmbed[] };
}

export interface WebhookReply {
  status: number;
  body?: unknown;
}

export interface DiscordWebhook {
  /** A webhook URL as Discord issues it (unversioned); the alerter pins it to /api/v10/. */
  readonly url: string;
  /** Every post received, answered or not, in order. */
  readonly posts: WebhookPost[];
  /** Answers the next posts with these replies, in order; afterwards 204 as Discord does. */
  answer(...replies: WebhookReply[]): void;
  /** Forgets the posts received and the replies not used yet. */
  clear(): void;
  stop(): Promise<void>;
}

/**
 * A stand-in for a Discord webhook on 127.0.0.1 over HTTPS: the function only accepts an `https://`
 * webhook URL, so the stand-in speaks TLS with a throwaway self-signed certificate. While it runs, this
 * process does not verify certificates (NODE_TLS_REJECT_UNAUTHORIZED=0); `stop` restores the setting.
 */
export async function startDiscordWebhook(): Promise<DiscordWebhook> {
  const posts: WebhookPost[] = [];
  const replies: WebhookReply[] = [];
  const server = createServer(selfSignedCertificate(), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const reply = replies.shift() ?? { status: 204 };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/api/webhooks/1234567890/test-token`,
    posts,
    answer: (...next) => replies.push(...next),
    clear: () => {
      posts.length = 0;
      replies.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
        else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let certificate: { key: Buffer; cert: Buffer } | undefined;

/** One P-256 certificate for 127.0.0.1 per test process, made by openssl (about 20 ms). */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'discord-webhook-'));
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore' },
    );
    certificate = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
