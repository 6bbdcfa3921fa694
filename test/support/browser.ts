/**
 * A real browser for UI tests: Debian's Chromium, headless, driven by
 * puppeteer-core (which never downloads a browser of its own), and a page that
 * records what a developer would see in its console and network panel.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The Chromium on PATH (Debian's package puts it at /usr/bin/chromium); a clear error naming the package when there is none. */
export function chromiumPath(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'chromium');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder: try the next
    }
  }
  throw new Error(`the UI tests need Chromium and found no "chromium" on PATH or in /usr/bin: install the Debian package "chromium" (apt-get install chromium; .ci/run does)`);
}

export async function launchBrowser(): Promise<Browser> {
  // Chromium's sandbox refuses to run as root (CI and this workplace run as root).
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, args });
}

export interface WatchedPage {
  page: Page;
  /** console errors (a CSP violation is one) and uncaught exceptions, as the console shows them */
  errors: string[];
  /** every HTTP answer of 400 or more, as `METHOD /path → status` */
  refused: string[];
}

/** A new page whose console errors and refused requests are collected, so a test can insist on exactly the ones it expects. */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage();
  // Well inside a test's timeout, so a page that never shows what is awaited fails with the locator's own message.
  page.setDefaultTimeout(5000);
  const watched: WatchedPage = { page, errors: [], refused: [] };
  page.on('console', (message) => {
    // Chromium echoes every 4xx/5xx answer to the console; those are in `refused`, with their method and path.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded with a status of')) {
      watched.errors.push(`${message.text()} (${message.location().url ?? 'page'})`);
    }
  });
  page.on('pageerror', (error) => watched.errors.push(`uncaught: ${error instanceof Error ? error.message : String(error)}`));
  page.on('response', (response) => {
    if (response.status() >= 400) watched.refused.push(`${response.request().method()} ${new URL(response.url()).pathname} → ${response.status()}`);
  });
  return watched;
}
