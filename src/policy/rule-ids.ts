// Ids in a policy, as derivation and adaptation name them: a rule's from its protocol and hosts,
// a zone's from its tier and subnet, made of letters, digits and hyphens.

import type { Rule } from './model.js';

/** `s` as an id: runs of anything but letters and digits become one hyphen, lower case. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
}

/**
 * Rule ids unique in a policy: a rule's id from its protocol and hosts, with the next free
 * numeric suffix when that is taken. The next suffix is remembered per base, so naming many
 * rules of one shape stays linear.
 */
export class RuleIds {
  private readonly used: Set<string>;
  private readonly next = new Map<string, number>();

  constructor(taken: Iterable<string> = []) {
    this.used = new Set(taken);
  }

  /** A fresh id for `rule`, taken from now on. */
  name(rule: Rule): string {
    const base = slug(`${rule.protocol}-${rule.client.hosts!.length > 1 ? `${rule.client.hosts!.length}-clients` : rule.client.hosts![0]}-to-${rule.server.broadcast ? 'broadcast' : rule.server.hosts!.length > 1 ? `${rule.server.hosts!.length}-servers` : rule.server.hosts![0]}`).slice(0, 56);
    let id = base;
    let n = this.next.get(base) ?? 2;
    while (this.used.has(id)) id = `${base}-${n++}`;
    this.next.set(base, n);
    this.used.add(id);
    return id;
  }
}

