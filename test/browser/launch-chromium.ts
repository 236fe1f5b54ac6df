// Debian's Chromium driven by playwright-core (issue 5: tests in a real browser, no bundled browser download).
// Playwright gives every launch a fresh temporary profile.
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FLOE_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
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
