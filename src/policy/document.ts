// Reading and writing the policy document. YAML (JSON is accepted too, being YAML): parsed,
// validated against the schema, then checked for what a schema cannot say (ids unique, zones
// referenced exist, a host in one zone only). Every problem names its path; nothing is loaded
// half-way.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Document, isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { parseEtherType } from '../../protocols/net/ether-types.js';
import { parseMember } from './addresses.js';
import { idList } from './adapt.js';
import type { TargetNames } from '../../protocols/protocol.js';
import type { Policy } from './model.js';
import { describeRule } from './words.js';
import { POLICY_SCHEMA } from './schema.js';
import { BulkheadError } from '../errors.js';

export class PolicyError extends BulkheadError {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, 20).join('\n  ') + (problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '');
    super('BH_POLICY_INVALID', `${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${shown}`}`);
    this.name = 'PolicyError';
  }
}

// Compiled on first use, not at load: most commands never parse a policy document.
let validate: ValidateFunction<Policy> | undefined;
const validator = () => (validate ??= new Ajv({ allErrors: true, strict: true }).compile<Policy>(POLICY_SCHEMA));

/** "conduits[0].rules[2].port" from "/conduits/0/rules/2/port". */
function pathOf(pointer: string): string {
  if (!pointer) return '(document)';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

/** One schema error as a person reads it: the path of the problem, and what is wrong there. */
export function describeSchemaError(e: ErrorObject): string {
  const at = pathOf(e.instancePath);
  if (e.keyword === 'additionalProperties') return `${at}: unknown key '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  if (e.keyword === 'enum') return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'required') return `${at}: missing '${(e.params as { missingProperty: string }).missingProperty}'`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/** Problems a schema cannot express. */
export function checkPolicy(p: Policy): string[] {
  const problems: string[] = [];
  const zoneIds = new Set<string>();
  const owner = new Map<string, string>();
  p.zones.forEach((z, zi) => {
    if (zoneIds.has(z.id)) problems.push(`zones[${zi}].id: zone '${z.id}' is defined twice`);
    zoneIds.add(z.id);
    z.members.forEach((m, mi) => {
      const parsed = parseMember(m);
      if (typeof parsed === 'string') {
        problems.push(`zones[${zi}].members[${mi}]: ${parsed}`);
        return;
      }
      const key = parsed.kind === 'ip' ? parsed.ip : parsed.kind === 'mac' ? parsed.mac : `${parsed.base}/${parsed.bits}`;
      const other = owner.get(key);
      if (other !== undefined && other !== z.id) problems.push(`zones[${zi}].members[${mi}]: ${m} is already a member of zone '${other}'`);
      owner.set(key, z.id);
    });
  });
  const conduitIds = new Set<string>();
  const ruleIds = new Set<string>();
  p.conduits.forEach((c, ci) => {
    if (conduitIds.has(c.id)) problems.push(`conduits[${ci}].id: conduit '${c.id}' is defined twice`);
    conduitIds.add(c.id);
    c.zones.forEach((z, i) => {
      if (!zoneIds.has(z)) problems.push(`conduits[${ci}].zones[${i}]: no zone '${z}'`);
    });
    c.rules.forEach((r, ri) => {
      const at = `conduits[${ci}].rules[${ri}]`;
      if (ruleIds.has(r.id)) problems.push(`${at}.id: rule '${r.id}' is defined twice`);
      ruleIds.add(r.id);
      for (const side of ['client', 'server'] as const) {
        const sel = r[side];
        if (sel.zone !== undefined && !c.zones.includes(sel.zone)) problems.push(`${at}.${side}.zone: '${sel.zone}' is not one of the conduit's zones (${c.zones.join(', ')})`);
        if (side === 'client' && sel.broadcast) problems.push(`${at}.client.broadcast: only a server can be a broadcast destination`);
        if (sel.broadcast && (sel.zone !== undefined || sel.hosts !== undefined)) problems.push(`${at}.${side}: broadcast stands alone, without zone or hosts`);
        sel.hosts?.forEach((h, hi) => {
          const parsed = parseMember(h);
          if (typeof parsed === 'string') problems.push(`${at}.${side}.hosts[${hi}]: ${parsed}`);
        });
      }
      r.allow?.forEach((a, ai) => {
        const ranges = [...(a.modbus ?? []).flatMap((m) => m.ranges ?? []), ...(a.bacnet ?? []).flatMap((b) => b.instances ?? [])];
        for (const [first, last] of ranges) if (first > last) problems.push(`${at}.allow[${ai}]: range ${first}-${last} runs backwards`);
        if (a.modbus && r.protocol !== 'modbus') problems.push(`${at}.allow[${ai}].modbus: the rule's protocol is ${r.protocol}`);
        if (a.bacnet && r.protocol !== 'bacnet') problems.push(`${at}.allow[${ai}].bacnet: the rule's protocol is ${r.protocol}`);
        if (a.opcua && r.protocol !== 'opcua') problems.push(`${at}.allow[${ai}].opcua: the rule's protocol is ${r.protocol}`);
      });
    });
  });
  checkLink(p, problems);
  return problems;
}

/** The link section: EtherTypes the table can name, one MAC per bound address, bound addresses that are addresses. */
function checkLink(p: Policy, problems: string[]): void {
  p.link?.etherTypes?.forEach((t, i) => {
    const v = parseEtherType(t);
    if (typeof v === 'string') problems.push(`link.etherTypes[${i}]: ${v}`);
  });
  const bound = new Map<string, string>();
  p.link?.bindings?.forEach((b, i) => {
    const m = parseMember(b.ip);
    if (typeof m === 'string' || m.kind !== 'ip') problems.push(`link.bindings[${i}].ip: '${b.ip}' is not one IP address`);
    const ip = typeof m === 'string' || m.kind !== 'ip' ? b.ip : m.ip;
    const other = bound.get(ip);
    if (other !== undefined && other !== b.mac.toLowerCase()) problems.push(`link.bindings[${i}]: ${b.ip} is already bound to ${other}`);
    bound.set(ip, b.mac.toLowerCase());
  });
}

/** Parses and validates a policy document; throws PolicyError naming every problem. */
export function parsePolicy(text: string, source = 'policy'): Policy {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new PolicyError(source, doc.errors.map((e) => e.message.split('\n')[0]!));
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const valid = validator();
  if (!valid(value)) throw new PolicyError(source, (valid.errors ?? []).map(describeSchemaError));
  const problems = checkPolicy(value);
  if (problems.length > 0) throw new PolicyError(source, problems);
  return value;
}

/**
 * The document as YAML for people: a header, and each rule's evidence summarised in a comment
 * above it so a reviewer sees why it exists without reading the evidence block.
 */
/**
 * `names`: what the devices call their targets, for the comment above each rule that says in
 * words what it lets through (the document's own fields keep the numbers).
 */
export function formatPolicy(p: Policy, header?: string, names?: TargetNames): string {
  const doc = new Document(p);
  if (header) doc.commentBefore = header.split('\n').map((l) => ` ${l}`).join('\n');
  const conduits = doc.get('conduits');
  if (isSeq(conduits)) {
    p.conduits.forEach((c, ci) => {
      const rules = (conduits.items[ci] as YAMLMap).get('rules');
      if (!isSeq(rules)) return;
      c.rules.forEach((r, ri) => {
        const node = rules.items[ri];
        if (!isMap(node)) return;
        const words = ` ${r.action === 'deny' ? '' : 'allows '}${describeRule(r, names)}`;
        const e = r.evidence;
        if (!e) {
          node.commentBefore = words;
          return;
        }
        const span = e.firstSeen !== undefined && e.lastSeen !== undefined ? `, ${new Date(e.firstSeen * 1000).toISOString().slice(0, 10)} to ${new Date(e.lastSeen * 1000).toISOString().slice(0, 10)}` : '';
        const from = [e.events?.length ? `would-deny events ${idList(e.events)}` : '', e.alerts?.length ? `alerts ${idList(e.alerts)}` : ''].filter(Boolean).join('; ');
        node.commentBefore = `${words}\n learned: ${e.transactions} transactions in ${e.conversations.length} conversation${e.conversations.length === 1 ? '' : 's'}${span}${from ? `; proposed from ${from}` : ''}`;
      });
    });
  }
  return doc.toString({ lineWidth: 120 });
}
