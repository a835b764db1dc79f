import type { Alert } from '#shared/domain/ports.ts';

/** Discord's documented limits (discord-api-docs, Embed Limits). */
export const DISCORD_LIMITS = {
  embedsPerMessage: 10,
  fieldsPerEmbed: 25,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  /** Sum of every title, description, field name and value and footer across one message's embeds. */
  charactersPerMessage: 6000,
} as const;

export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  timestamp: string;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
}

const COLORS = { info: 0x2e86de, warning: 0xf39c12, error: 0xe74c3c } as const;
const FOOTER = 'market-data-pipeline';

/**
 * Turns one alert into as many webhook bodies as Discord's limits need: fields are cut to their
 * maximum lengths, 25 to an embed, up to 10 embeds and 6,000 characters to a message.
 */
export function discordMessages(alert: Alert, at: Date): { embeds: DiscordEmbed[] }[] {
  const fields = (alert.fields ?? []).map((f) => ({
    name: cut(f.name, DISCORD_LIMITS.fieldName) || '-',
    value: cut(f.value, DISCORD_LIMITS.fieldValue) || '-',
    inline: false,
  }));
  const title = cut(alert.title, DISCORD_LIMITS.title);
  const description = cut(alert.description, DISCORD_LIMITS.description);
  const embeds: DiscordEmbed[] = [];
  let current = newEmbed(title, description, alert.severity, at);
  for (const field of fields) {
    if (current.fields.length === DISCORD_LIMITS.fieldsPerEmbed || size(current) + size(field) > 5_000) {
      embeds.push(current);
      current = newEmbed(`${title} (continued)`.slice(0, DISCORD_LIMITS.title), '', alert.severity, at);
    }
    current.fields.push(field);
  }
  embeds.push(current);
  const messages: { embeds: DiscordEmbed[] }[] = [];
  for (const embed of embeds) {
    const last = messages.at(-1);
    const used = last ? last.embeds.reduce((n, e) => n + size(e), 0) : Number.POSITIVE_INFINITY;
    if (
      last &&
      last.embeds.length < DISCORD_LIMITS.embedsPerMessage &&
      used + size(embed) <= DISCORD_LIMITS.charactersPerMessage
    ) {
      last.embeds.push(embed);
    } else {
      messages.push({ embeds: [embed] });
    }
  }
  return messages;
}

function newEmbed(title: string, description: string, severity: Alert['severity'], at: Date): DiscordEmbed {
  return {
    title,
    description,
    color: COLORS[severity],
    timestamp: at.toISOString(),
    fields: [],
    footer: { text: FOOTER },
  };
}

/** Characters that count toward the 6,000 limit. */
export function size(part: {
  title?: string;
  description?: string;
  name?: string;
  value?: string;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
}): number {
  return (
    (part.title?.length ?? 0) +
    (part.description?.length ?? 0) +
    (part.name?.length ?? 0) +
    (part.value?.length ?? 0) +
    (part.footer?.text.length ?? 0) +
    (part.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function cut(text: string, max: number): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1)}…`;
}
