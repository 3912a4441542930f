// Screenshots for the user guide (docs/): the browser tests take them on every run, so the
// guide shows the console as the suite last saw it, not as someone once drew it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/** docs/screenshots in the repository (the tests run from source); the guide's pages link them by name. */
export const GUIDE_SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

/**
 * Saves what `page` shows (the viewport, not the whole page: a guide picture is read at a glance)
 * as docs/screenshots/NAME.png.
 */
export async function guideShot(page: Page, name: string): Promise<void> {
  mkdirSync(GUIDE_SHOTS, { recursive: true });
  await page.screenshot({ path: join(GUIDE_SHOTS, `${name}.png`) });
}
