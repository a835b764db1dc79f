import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import defaultUniverseJson from './universe.json' with { type: 'json' };

export const assetSchema = z.object({
  /** Our name for the asset, unique across providers (e.g. SPY, 005930.KS, KRW-BTC). */
  symbol: z.string().regex(/^[A-Za-z0-9^=.-]{1,32}$/, 'letters, digits and ^ = . - only, at most 32'),
  name: z.string().min(1),
  category: z.enum(['etf', 'stock', 'index', 'crypto', 'commodity', 'fx']),
  calendar: z.enum(['XNYS', 'XKRX', '24/7']),
  provider: z.enum(['yahoo', 'upbit']),
  /** What the provider calls it. */
  providerSymbol: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
  active: z.boolean().default(true),
  /**
   * The last session the asset traded: it is no longer collected or checked for freshness, nothing is
   * planned after it, and its history stays.
   */
  delistedOn: z.iso.date().optional(),
  /** Our earlier names for this asset: syncing renames the stored asset instead of starting a new one. */
  formerSymbols: z.array(z.string().min(1)).optional(),
});
export type AssetConfig = z.infer<typeof assetSchema>;

export const universeSchema = z
  .object({ assets: z.array(assetSchema).min(1) })
  .refine(
    (u) => new Set(u.assets.map((a) => a.symbol)).size === u.assets.length,
    'asset symbols must be unique',
  )
  .refine((u) => {
    const current = new Set(u.assets.map((a) => a.symbol));
    const former = u.assets.flatMap((a) => a.formerSymbols ?? []);
    return new Set(former).size === former.length && former.every((s) => !current.has(s));
  }, 'a former symbol must belong to one asset and not be a current symbol');
export type Universe = z.infer<typeof universeSchema>;

/** Thrown when the universe file is missing or does not match the schema; the message names the field. */
export class UniverseError extends Error {
  override name = 'UniverseError';
}

/**
 * Loads and validates a universe file, or the default universe (shared/universe/universe.json, bundled
 * into the code so a Lambda needs no file) when no path is given.
 * @throws UniverseError naming the file and the first offending field.
 */
export async function loadUniverse(path?: string): Promise<Universe> {
  if (path === undefined)
    return parseUniverse(JSON.stringify(defaultUniverseJson), 'shared/universe/universe.json');
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
    throw new UniverseError(`${origin} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = universeSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UniverseError(`${origin}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}
