import { en } from 'zod/locales';
import { config } from 'zod/mini';

/*
 * zod/mini, the functional build of zod 4, for every schema a Lambda bundle reaches: classic zod puts
 * ~60 KB more into each bundle (its methods and JSON Schema support) and builds it all at cold start.
 * Mini registers no locale of its own, so English is registered here, once, before any schema parses:
 * without it every message would read "Invalid input" and the one-line errors would lose what to fix.
 * Import it as `import * as z from '#shared/domain/zod.ts'`. The CLI-only modules keep classic zod; both share zod's core, so their schemas compose.
 */
config(en());

// Re-exported name by name (not as one namespace object), so that esbuild keeps only what is used.
export * from 'zod/mini';
