import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (what .ci/run installs with apt-get), or the one CHROMIUM_PATH names. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/** The Chromium the browser tests drive, or undefined when this machine has none (they are skipped). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return [env.CHROMIUM_PATH, DEBIAN_CHROMIUM].find(
    (path) => path !== undefined && path !== '' && existsSync(path),
  );
}

/** What a skipped browser suite is called, so a run says plainly why it did not drive a browser. */
export const NO_CHROMIUM_REASON = `skipped: no Chromium at ${DEBIAN_CHROMIUM} (or CHROMIUM_PATH); apt-get install chromium`;

/**
 * Headless Chromium as root on this machine: no sandbox (root), no GPU, and nothing that reaches the
 * network by itself (updates, sync, field trials); playwright gives it a new empty profile.
 * playwright-core downloads no browser: it drives the one at `executablePath`.
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: 120_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
