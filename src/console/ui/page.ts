// What a page of the console is given to render into (its own module: the router and the pages
// both name it), and the addresses of the pages that show one thing.

import type { Me } from './api.js';

export interface Page {
  me: Me;
  main: HTMLElement;
  /** Called when the page is left: stop timers and streams. */
  cleanup: (() => void)[];
}

/** The page's parameters: what follows `?` in the hash (`#/assets?key=10.0.0.11`). */
export function hashParams(): URLSearchParams {
  return new URLSearchParams(location.hash.split('?')[1] ?? '');
}

/** Where one asset, one conversation, one alert and one policy version are shown. */
export const assetHref = (key: string) => `#/assets?key=${encodeURIComponent(key)}`;
export const conversationHref = (key: string) => `#/conversations?key=${encodeURIComponent(key)}`;
export const alertHref = (id: number) => `#/alerts?id=${id}`;
export const policyHref = (version: number) => `#/policy?v=${version}`;
