// MAC address -> IEEE registrant, from the IEEE OUI registry as packaged by oui-data.

import { createRequire } from 'node:module';

let vendors: Map<string, string> | undefined;

/** Loaded on first use and reduced to names: the packaged registry also holds addresses. */
function table(): Map<string, string> {
  if (vendors) return vendors;
  const raw = createRequire(import.meta.url)('oui-data') as Record<string, string>;
  vendors = new Map();
  for (const [prefix, entry] of Object.entries(raw)) {
    const nl = entry.indexOf('\n');
    vendors.set(prefix, (nl < 0 ? entry : entry.slice(0, nl)).trim());
  }
  return vendors;
}

/**
 * The registrant of a MAC address's OUI; undefined for group (multicast) and locally
 * administered addresses, which no vendor owns, and for unregistered prefixes.
 */
export function macVendor(mac: string): string | undefined {
  const first = parseInt(mac.slice(0, 2), 16);
  if (Number.isNaN(first) || first & 0x03) return undefined;
  return table().get(mac.slice(0, 8).replaceAll(':', '').toUpperCase());
}
