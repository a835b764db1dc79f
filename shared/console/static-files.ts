import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file the console serves: its bytes (read once at start-up) and its content type. */
export interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The pages: plain HTML, CSS and ES modules beside this file, no build step. */
const PAGES_DIR = fileURLToPath(new URL('./pages/', import.meta.url));

/**
 * The charting library as installed by `npm ci`: the standalone ES module build (fancy-canvas bundled
 * in, so the browser resolves no bare import). Found through the package's own entry point, so nothing
 * is copied into the repository and nothing is fetched at run time.
 */
export function chartLibraryPath(): string {
  const entry = fileURLToPath(import.meta.resolve('lightweight-charts'));
  return join(dirname(entry), 'lightweight-charts.standalone.production.mjs');
}

/**
 * Every file the console serves, by URL path: the pages folder's files (a fixed list, so no request
 * path ever reaches the file system) and the chart library under /vendor/.
 * @throws the file system's error when the pages or the installed library are missing (run `npm ci`).
 */
export async function loadStaticFiles(): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const name of await readdir(PAGES_DIR)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/${name}`, { body: await readFile(join(PAGES_DIR, name)), type });
  }
  const jobs = files.get('/jobs.html');
  if (jobs) files.set('/', jobs);
  files.set('/vendor/lightweight-charts.mjs', {
    body: await readFile(chartLibraryPath()),
    type: TYPES['.mjs'] as string,
  });
  return files;
}
