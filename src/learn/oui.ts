// MAC address -> IEEE registrant, from the IEEE OUI registry as packaged by oui-data.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let vendors: Map<number, string> | undefined;

/**
 * Loaded on first use and reduced to registrant names. The package's JSON also holds postal
 * addresses; scanning it entry by entry instead of parsing it whole keeps the load's memory
 * peak small, which matters on a 2 GB industrial PC.
 */
function table(): Map<number, string> {
  if (vendors) return vendors;
  const text = readFileSync(createRequire(import.meta.url).resolve('oui-data'), 'utf8');
  vendors = new Map();
  const names = new Map<string, string>(); // one string per registrant, however many prefixes it has
  const entry = /"([0-9A-F]{6})"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m = entry.exec(text); m; m = entry.exec(text)) {
    const raw = m[2]!;
    const nl = raw.indexOf('\\n');
    const first = (nl < 0 ? raw : raw.slice(0, nl)).trim().replace(/,$/, '');
    const name = first.includes('\\') ? (JSON.parse(`"${first}"`) as string) : first;
    let shared = names.get(name);
    // A copy of its own: the match is a slice of the file's text, and would keep all 11 MB of it.
    if (shared === undefined) names.set(name, (shared = Buffer.from(name).toString()));
    vendors.set(parseInt(m[1]!, 16), shared);
  }
  // V8 keeps the last match's subject (the whole file's text) until the next match: one on nothing.
  /^/.exec('');
  return vendors;
}

/**
 * The registrant of a MAC address's OUI; undefined for group (multicast) and locally
 * administered addresses, which no vendor owns, and for unregistered prefixes.
 */
export function macVendor(mac: string): string | undefined {
  const first = parseInt(mac.slice(0, 2), 16);
  if (Number.isNaN(first) || first & 0x03) return undefined;
  return table().get(parseInt(mac.slice(0, 8).replaceAll(':', ''), 16));
}
