// Preloaded into a CLI process (NODE_OPTIONS=--import=...) by memory tests: on exit, writes the
// process's peak resident set size in KiB to PEAK_RSS_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.PEAK_RSS_FILE)
    writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS));
});
