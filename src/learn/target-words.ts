// A learned target in the plant's words, the one wording of targets that learning (its value
// points) and the detectors (their alerts) share: the protocol modules' words, as rules and
// verdicts use them.

import { objectWords } from '../../protocols/bacnet/words.js';
import { registerWords } from '../../protocols/modbus/words.js';
import { nodeWords } from '../../protocols/opcua/words.js';
import type { Protocol } from '../../protocols/operation.js';
import type { TargetNames } from '../../protocols/protocol.js';
import { protocolModule } from '../../protocols/registry.js';
import type { OperationStats, TargetSummary } from './model.js';

/** Targets named in an operation's words before the rest are counted. */
const TARGETS_NAMED = 4;

/**
 * A key the baseline stores in its own shorthand, in words: a Modbus value point ("unit 1
 * holding_registers 40") or poll ("unit 1 holding_registers 0-9 +1"), a BACnet poll
 * ("analog-input,1 present-value"), an OPC UA node with its name; anything else as it is.
 */
export function keyWords(key: string, names?: TargetNames): string {
  const more = / \+(\d+)$/.exec(key);
  const rest = more ? key.slice(0, more.index) : key;
  const tail = more ? ` and ${more[1]} more` : '';
  const modbus = /^unit (\d+) (\w+) (\d+)(?:-(\d+))?$/.exec(rest);
  if (modbus) return `${registerWords(Number(modbus[1]), modbus[2], [[Number(modbus[3]), Number(modbus[4] ?? modbus[3])]])}${tail}`;
  const bacnet = /^([a-z][a-z0-9-]*),(\d+)(?: (.+))?$/.exec(rest);
  if (bacnet) return `${bacnet[1]} ${bacnet[2]}${bacnet[3] ? ` ${bacnet[3]}` : ''}${tail}`;
  return names?.has(rest) ? `${nodeWords(rest, names)}${tail}` : key;
}

/** One learned target entry in words: "unit 1 holding registers 40001-40010 (0-9)", "analog-value 1 present-value". */
export function targetWords(t: TargetSummary, names?: TargetNames): string {
  if (t.type === 'modbus') return !t.table ? `unit ${t.unit}` : registerWords(t.unit, t.table, t.ranges.length ? t.ranges : undefined);
  if (t.type === 'bacnet') return objectWords(t.objectType, [[t.instance, t.instance]], t.properties.length ? t.properties : undefined);
  return nodeWords(t.nodeId, names);
}

/** A learned operation: "Read Holding Registers (FC 3) on unit 1 holding registers 40001-40010 (0-9)", its first targets named. */
export function operationStatsWords(protocol: Protocol, s: OperationStats, names?: TargetNames): string {
  const code = protocolModule(protocol).describeAllowedCode(s.code, s.subCode);
  if (s.targets.length === 0) return code;
  const shown = s.targets.slice(0, TARGETS_NAMED).map((t) => targetWords(t, names));
  const more = s.targets.length > TARGETS_NAMED || s.targetsTruncated ? ` and ${s.targets.length > TARGETS_NAMED ? `${s.targets.length - TARGETS_NAMED} ` : ''}more` : '';
  return `${code} on ${shown.join('; ')}${more}`;
}
