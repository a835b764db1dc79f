/**
 * Seeded randomness keyed by what a value belongs to (seed, symbol, date, request), not by the order of
 * calls: the same bar or the same fault comes back whatever else the server did before.
 */

/** FNV-1a over UTF-16 code units: cheap, stable, good enough to spread symbol names over 32 bits. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Combines 32-bit keys into one (murmur3's finaliser after each step), so nearby keys land far apart. */
export function mixKeys(...keys: number[]): number {
  let hash = 0x9e3779b9;
  for (const key of keys) {
    hash = Math.imul(hash ^ (key >>> 0), 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
  }
  return hash >>> 0;
}

/** A stream of uniform numbers in [0, 1) (mulberry32) starting from a 32-bit state. */
export function randomStream(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Roughly standard-normal but bounded to (-3, 3): the sum of three uniforms, rescaled. */
export function boundedNormal(random: () => number): number {
  return (random() + random() + random() - 1.5) * 2;
}
