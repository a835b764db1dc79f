import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUniverse, UniverseError } from '#shared/universe/universe.ts';

function universeFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'universe-')), 'universe.json');
  writeFileSync(path, text);
  return path;
}

describe('a universe file with a JSON syntax error', () => {
  it('is reported in one line naming the file, the line and the column', async () => {
    const path = universeFile('{\n  "assets": [\n    { "symbol": "SPY", }\n  ]\n}\n');
    const error = await loadUniverse(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniverseError);
    expect((error as Error).message).toMatch(new RegExp(`^${path}:3:24: not valid JSON: `));
    expect((error as Error).message).not.toContain('\n');
  });

  it('that ends early points at the end of the file', async () => {
    const path = universeFile('{\n  "assets": [\n');
    const error = (await loadUniverse(path).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(new RegExp(`^${path}:3:1: not valid JSON: `));
  });
});
