// Rules and requests in the plant's words, for every place that explains a decision (verdict
// reasons, the diff, lint, proposals, the console, the command line): codes by name with the
// number kept, registers as reference numbers, BACnet objects by type, OPC UA nodes with the
// names their server gave them. The protocol modules own the words; this assembles them.

import { objectWords } from '../../protocols/bacnet/words.js';
import { registerWords } from '../../protocols/modbus/words.js';
import { namespaceWords, nodeWords } from '../../protocols/opcua/words.js';
import type { Protocol, Target } from '../../protocols/operation.js';
import type { TargetNames } from '../../protocols/protocol.js';
import { protocolModule } from '../../protocols/registry.js';
import type { Allowance, Rule } from './model.js';

/** Codes and nodes named in one allowance before the rest are counted: a sentence, not a list. */
const NAMED_MOST = 6;
const NODES_NAMED = 3;

function listed(items: string[], most: number, noun: string): string {
  return items.length > most ? `${items.slice(0, most).join(', ')} and ${items.length - most} more ${noun}` : items.join(', ');
}

/** "read, write or control". */
const either = (words: readonly string[]) => (words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : (words[0] ?? ''));

/** One target of a request: "unit 1 holding registers 40001-40010 (0-9)". */
export function describeTarget(t: Target, names?: TargetNames): string {
  return protocolModule(t.type).describeTarget(t, names);
}

/** The codes an allowance names, each by name: "Read Holding Registers (FC 3), Read Input Registers (FC 4)". */
function codeWords(protocol: Protocol, a: Allowance): string | undefined {
  if (!a.codes) return undefined;
  const m = protocolModule(protocol);
  const words = a.codes.flatMap((code) => (a.subCodes ? a.subCodes.map((sub) => m.describeAllowedCode(code, sub)) : [m.describeAllowedCode(code, undefined)]));
  return listed(words, NAMED_MOST, 'codes');
}

function scopeWords(a: Allowance, names: TargetNames | undefined): string[] {
  const scopes: string[] = [];
  for (const m of a.modbus ?? []) scopes.push(registerWords(m.unit, m.table, m.ranges));
  for (const b of a.bacnet ?? []) scopes.push(objectWords(b.objectType, b.instances, b.properties));
  if (a.opcua?.nodes) scopes.push(listed(a.opcua.nodes.map((n) => nodeWords(n, names)), NODES_NAMED, 'nodes'));
  if (a.opcua?.namespaces) scopes.push(namespaceWords(a.opcua.namespaces));
  return scopes;
}

/**
 * One allowance: "Read Holding Registers (FC 3) on unit 1 holding registers 40001-40010 (0-9)",
 * "any read or write operation" when it names kinds only.
 */
export function describeAllowance(a: Allowance, protocol: Protocol, names?: TargetNames): string {
  const what = codeWords(protocol, a) ?? (a.kinds ? `any ${either(a.kinds)} operation` : 'any operation');
  const scopes = scopeWords(a, names);
  return scopes.length ? `${what} on ${scopes.join('; ')}` : what;
}

/** What a rule lets through: its allowances, "any operation", or that it denies. */
export function describeRule(rule: Rule, names?: TargetNames): string {
  if (rule.action === 'deny') return rule.allow ? `denies ${rule.allow.map((a) => describeAllowance(a, rule.protocol, names)).join('; ')}` : 'denies every operation';
  return rule.allow ? rule.allow.map((a) => describeAllowance(a, rule.protocol, names)).join('; ') : 'any operation';
}
