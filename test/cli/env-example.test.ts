import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '#shared/config.ts';
import { PROVIDER_DEFAULTS } from '#shared/providers/index.ts';
import { DEFAULT_SETTINGS } from '#shared/usecases/deps.ts';

/** The first `# NAME=value` line of each variable in .env.example: its documented default. */
function documentedDefaults(): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const line of readFileSync('.env.example', 'utf8').split('\n')) {
    const match = /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] && !defaults.has(match[1])) defaults.set(match[1], match[2] ?? '');
  }
  return defaults;
}

/** What the code does when the variable is unset ('' for "nothing": the feature is off or embedded). */
function trueDefaults(): Record<string, string> {
  const parsed = configSchema.parse({}) as Record<string, unknown>;
  return {
    ...Object.fromEntries(Object.keys(configSchema.shape).map((k) => [k, String(parsed[k] ?? '')])),
    YAHOO_BASE_URL: PROVIDER_DEFAULTS.yahoo.baseUrl,
    UPBIT_BASE_URL: PROVIDER_DEFAULTS.upbit.baseUrl,
    YAHOO_USER_AGENT: PROVIDER_DEFAULTS.yahoo.userAgent,
    MAX_BACKFILL_DAYS: String(DEFAULT_SETTINGS.maxBackfillDays),
    UNIVERSE_FILE: 'shared/universe/universe.json',
  };
}

describe('.env.example', () => {
  it('lists exactly the variables the CLI configuration reads', () => {
    expect([...documentedDefaults().keys()].sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it('shows each variable with the default the code really uses', () => {
    expect(Object.fromEntries(documentedDefaults())).toEqual(trueDefaults());
  });

  it('has every example value accepted by the configuration', () => {
    const env = Object.fromEntries([...documentedDefaults()].filter(([, v]) => v !== ''));
    expect(() => configSchema.parse(env)).not.toThrow();
  });
});
