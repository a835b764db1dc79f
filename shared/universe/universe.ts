import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as z from '#shared/domain/zod.ts';

export const assetSchema = z.object({
  /** Our name for the asset, unique across providers (e.g. SPY, 005930.KS, KRW-BTC). */
  symbol: z
    .string()
    .check(z.regex(/^[A-Za-z0-9^=.-]{1,32}$/, 'letters, digits and ^ = . - only, at most 32')),
  name: z.string().check(z.minLength(1)),
  category: z.enum(['etf', 'stock', 'index', 'crypto', 'commodity', 'fx']),
  calendar: z.enum(['XNYS', 'XKRX', '24/7']),
  provider: z.enum(['yahoo', 'upbit']),
  /** What the provider calls it. */
  providerSymbol: z.string().check(z.minLength(1)),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')),
  active: z._default(z.boolean(), true),
  /**
   * The last session the asset traded: it is no longer collected or checked for freshness, nothing is
   * planned after it, and its history stays.
   */
  delistedOn: z.optional(z.iso.date()),
  /** Our earlier names for this asset: syncing renames the stored asset instead of starting a new one. */
  formerSymbols: z.optional(z.array(z.string().check(z.minLength(1)))),
});
export type AssetConfig = z.infer<typeof assetSchema>;

export const universeSchema = z.object({ assets: z.array(assetSchema).check(z.minLength(1)) }).check(
  z.refine(
    (u) => new Set(u.assets.map((a) => a.symbol)).size === u.assets.length,
    'asset symbols must be unique',
  ),
  z.refine((u) => {
    const current = new Set(u.assets.map((a) => a.symbol));
    const former = u.assets.flatMap((a) => a.formerSymbols ?? []);
    return new Set(former).size === former.length && former.every((s) => !current.has(s));
  }, 'a former symbol must belong to one asset and not be a current symbol'),
);
export type Universe = z.infer<typeof universeSchema>;

/** Thrown when the universe file is missing or does not match the schema; the message names the field. */
export class UniverseError extends Error {
  override name = 'UniverseError';
}

/**
 * The universe file in this checkout. Resolved when asked (not at load time), so a bundle that never
 * reads it (a Lambda uses default-universe.ts) does not need import.meta.url.
 */
export function defaultUniverseFile(): string {
  return fileURLToPath(new URL('./universe.json', import.meta.url));
}

/**
 * Loads and validates a universe file, by default shared/universe/universe.json. Read when called, never
 * at import: a broken file must not stop `--help` or the commands that do not use it.
 * @throws UniverseError naming the file (with line:column for a JSON syntax error) and the first
 * offending field.
 */
export async function loadUniverse(path: string = defaultUniverseFile()): Promise<Universe> {
  const text = await readFile(path, 'utf8').catch((cause: unknown) => {
    throw new UniverseError(`universe file ${path} could not be read`, { cause });
  });
  return parseUniverse(text, path);
}

export function parseUniverse(text: string, origin = 'universe'): Universe {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new UniverseError(`${origin}:${syntaxErrorAt(text, (cause as Error).message)}`, { cause });
  }
  const parsed = universeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UniverseError(`${origin}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** "LINE:COL: not valid JSON: reason" from V8's "reason in JSON at position N" (or its line/column form). */
function syntaxErrorAt(text: string, message: string): string {
  const reason = message
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .split('\n')[0];
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return `${lineColumn[1]}:${lineColumn[2]}: not valid JSON: ${reason}`;
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : text.length;
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}: not valid JSON: ${reason}`;
}
