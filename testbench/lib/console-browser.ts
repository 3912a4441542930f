// The console in headless Chromium for the browser tests: Debian's Chromium driven by
// playwright-core, and the first administrator set up with the one-time token, so each test
// starts on the dashboard.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN = { name: 'alice', password: 'Correct-Horse-42' };

/** Why no browser test can run here, or undefined. */
export const chromiumUnavailable = (): string | undefined => (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`);

/** Chromium without the services that reach out of the machine (updates, sync, QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'] });
}

/** A page on the console at `url` with the first administrator set up by `token`: it lands on the dashboard. */
export async function consoleAsAdmin(browser: Browser, url: string, token: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  page.on('pageerror', (e) => console.warn(`page error: ${e.message}`));
  await page.goto(url);
  await page.getByRole('heading', { name: 'Set up Bulkhead' }).waitFor();
  await page.fill('input[name=token]', token);
  await page.fill('input[name=name]', ADMIN.name);
  await page.fill('input[name=password]', ADMIN.password);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  return page;
}
