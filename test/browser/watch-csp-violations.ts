// Collects what the browser refuses under a page's Content-Security-Policy, across navigations: each
// `securitypolicyviolation` event the page sees, and each CSP error Chromium writes to the console. Tests of the
// dashboard assert the list stays empty (docs/security.md "HTTP headers").
import type { Page } from 'playwright-core';

/** Starts watching `page`; every violation is pushed to `into` as one line. */
export async function watchCspViolations(page: Page, into: string[]): Promise<void> {
  await page.exposeFunction('floeCspViolation', (text: string) => into.push(text));
  // A script as text: the test code has no DOM types, and this runs in the page before its own scripts.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      window.floeCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at ' +
        event.sourceFile + ':' + event.lineNumber));`,
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/.test(message.text())) into.push(`console: ${message.text()}`);
  });
}
