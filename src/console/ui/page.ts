// What a page of the console is given to render into (its own module: the router and the pages both name it).

import type { Me } from './api.js';

export interface Page {
  me: Me;
  main: HTMLElement;
  /** Called when the page is left: stop timers and streams. */
  cleanup: (() => void)[];
}
