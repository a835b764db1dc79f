import type { DomainEvent } from '#shared/domain/ports.ts';
import type { Sql } from './client.ts';

export async function insertDomainEvents(sql: Sql, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await sql`
    INSERT INTO domain_events (type, detail)
    SELECT * FROM unnest(${events.map((e) => e.type)}::text[], ${events.map((e) => JSON.stringify(e.detail))}::text[]::jsonb[])`;
}

export async function listDomainEvents(sql: Sql, type?: DomainEvent['type']): Promise<DomainEvent[]> {
  return sql<DomainEvent[]>`
    SELECT type, detail FROM domain_events WHERE (${type ?? null}::text IS NULL OR type = ${type ?? null}) ORDER BY id`;
}
