import defaultUniverseJson from './universe.json' with { type: 'json' };
import { parseUniverse, type Universe } from './universe.ts';

/**
 * The universe bundled into the code (shared/universe/universe.json), so a Lambda needs no file. The
 * CLI reads the file itself (loadUniverse) instead: a syntax error there is then one line, not a crash
 * at import.
 */
export function defaultUniverse(): Universe {
  return parseUniverse(JSON.stringify(defaultUniverseJson), 'shared/universe/universe.json');
}
