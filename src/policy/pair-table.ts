// The rules naming one client and one server address exactly (what derivation writes: most of a
// large policy), laid out flat for IPv4: a hash table of address pairs in a typed array, and each
// pair's rules as one run of integers (port, kinds as bits, function codes as a 256-bit map,
// Modbus units, tables and register ranges). A verdict then reads a few cache lines instead of
// chasing a dozen objects per rule, which is what evaluation on a large policy cost (cache
// misses, not rule count). A rule whose allowances do not fit (BACnet and OPC UA scopes,
// sub-codes, codes past 255) keeps its compiled objects, judged by allowance-match.ts from here.
// Same answers as the object path, checked against it by pair-table.test.ts.

import type { Operation, Target } from '../../protocols/operation.js';
import { anyAllowance, codeMatches, type CompiledAllowance } from './allowance-match.js';

/** What the table needs of a compiled rule. */
export interface PairRule {
  rule: { port?: number };
  allow?: CompiledAllowance[];
}

/** One address pair's rules, denies apart, in the policy's order. */
export interface PairLists<R> {
  client: string;
  server: string;
  deny: R[];
  allow: R[];
}

/** A canonical dotted-quad IPv4 address (no leading zeros) as its 32-bit value; -1 for anything else. */
export function ipv4Number(ip: string): number {
  const n = ip.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9 || (digits === 1 && octet === 0)) return -1;
    octet = octet * 10 + d;
    if (octet > 255) return -1;
    digits++;
  }
  return digits === 0 || dots !== 3 ? -1 : value * 256 + octet;
}

/** 255.255.255.255 or multicast (224/4), as isGroupAddress says of the address's text. */
export const isGroupIpv4 = (ip: number): boolean => ip === 0xffffffff || ip >>> 28 === 14;

const KINDS = ['read', 'write', 'control', 'program', 'diagnostic', 'discovery', 'session', 'unknown'];
const TABLES = ['coils', 'discrete_inputs', 'holding_registers', 'input_registers', 'file_records', 'fifo'];
/** Any kind, any table, any port: every bit, or a value no field has. */
const ANY = -1;
/** A target without a table: equal to no scope's table. */
const NO_TABLE = -2;
/** Codes up to this many are listed; more, all under 256, are a 256-bit map of 8 words. */
const LISTED_CODES = 8;
const CODE_MAP = 256;
const CODE_WORDS = 8;

// Switches, not maps: the operation's strings are the decoders' literals, compared by pointer.
// In the order of KINDS and TABLES (the differential test holds them to it).
function kindBit(kind: string): number {
  switch (kind) {
    case 'read': return 1;
    case 'write': return 2;
    case 'control': return 4;
    case 'program': return 8;
    case 'diagnostic': return 16;
    case 'discovery': return 32;
    case 'session': return 64;
    case 'unknown': return 128;
    default: return 0;
  }
}

function tableIndex(table: string | undefined): number {
  switch (table) {
    case 'coils': return 0;
    case 'discrete_inputs': return 1;
    case 'holding_registers': return 2;
    case 'input_registers': return 3;
    case 'file_records': return 4;
    case 'fifo': return 5;
    default: return NO_TABLE;
  }
}

const isInt32 = (x: unknown): x is number => typeof x === 'number' && (x | 0) === x;

/**
 * An allowance as integers: [kind mask, code count (ANY: any code; CODE_MAP: a map follows), the
 * codes or the map, scope count (ANY: unscoped), then per Modbus scope [unit, table, range count
 * (ANY: whole table), first, last...]].
 * Undefined when it does not fit.
 */
function flatAllowance(a: CompiledAllowance): number[] | undefined {
  if (a.subCodes || a.bacnet || a.nodes || a.namespaces) return undefined;
  let mask = ANY;
  if (a.kinds) {
    mask = 0;
    for (const k of a.kinds) {
      const i = KINDS.indexOf(k);
      if (i < 0) return undefined;
      mask |= 1 << i;
    }
  }
  const codes = a.codes ? [...a.codes] : undefined;
  if (codes?.some((c) => !isInt32(c))) return undefined;
  const out = [mask];
  if (!codes) out.push(ANY);
  else if (codes.length <= LISTED_CODES || codes.some((c) => c < 0 || c > 255)) out.push(codes.length, ...codes);
  else {
    const map = new Array<number>(CODE_WORDS).fill(0);
    for (const c of codes) map[c >> 5]! |= 1 << (c & 31);
    out.push(CODE_MAP, ...map);
  }
  if (!a.modbus) return [...out, ANY];
  out.push(a.modbus.length);
  for (const s of a.modbus) {
    const table = s.table === undefined ? ANY : TABLES.indexOf(s.table);
    // An unknown table name matches no target: left to the objects.
    if (!isInt32(s.unit) || (s.table !== undefined && table < 0)) return undefined;
    out.push(s.unit, table, s.ranges ? s.ranges.length : ANY);
    for (const [first, last] of s.ranges ?? []) {
      if (!isInt32(first) || !isInt32(last)) return undefined;
      out.push(first, last);
    }
  }
  return out;
}

/** A rule as integers: [length, rule index, port (ANY), judged by its objects (1) or here (0), allowance count (ANY: none, allows all), allowances...]. */
function flatRule(r: PairRule, index: number): number[] {
  const port = r.rule.port ?? ANY;
  const flat = r.allow?.map(flatAllowance);
  const objects = flat?.some((f) => f === undefined) ?? false;
  const record = [0, index, port, objects ? 1 : 0, r.allow ? r.allow.length : ANY];
  if (!objects) for (const f of flat ?? []) for (let i = 0; i < f!.length; i++) record.push(f![i]!);
  record[0] = record.length;
  return record;
}

function modbusTargetAllowed(prog: Int32Array, at: number, scopes: number, t: Target & { type: 'modbus' }): boolean {
  const table = tableIndex(t.table);
  for (let s = 0; s < scopes; s++) {
    const unit = prog[at]!;
    const scopeTable = prog[at + 1]!;
    const ranges = prog[at + 2]!;
    const next = at + 3 + (ranges === ANY ? 0 : 2 * ranges);
    if (unit === t.unit && (scopeTable === ANY || scopeTable === table)) {
      if (ranges === ANY) return true;
      // An address range is allowed only when it is known and inside.
      if (t.start !== undefined) {
        const first = t.start;
        const last = first + Math.max(1, t.count ?? 1) - 1;
        for (let r = at + 3; r < next; r += 2) if (first >= prog[r]! && last <= prog[r + 1]!) return true;
      }
    }
    at = next;
  }
  return false;
}

/** Whether the allowance at `at` takes the operation's kind and code, as allowance-match.ts's codeMatches would. */
function codeTaken(prog: Int32Array, at: number, op: Operation): boolean {
  const mask = prog[at]!;
  if (mask !== ANY && (mask & kindBit(op.kind)) === 0) return false;
  const n = prog[at + 1]!;
  if (n === ANY) return true;
  const code = op.code;
  if (n === CODE_MAP) return (code & 255) === code && ((prog[at + 2 + (code >> 5)]! >>> (code & 31)) & 1) === 1;
  for (let i = at + 2; i < at + 2 + n; i++) if (prog[i] === code) return true;
  return false;
}

/** Where the scopes of the allowance at `at` start (after its codes). */
function scopesAt(prog: Int32Array, at: number): number {
  const n = prog[at + 1]!;
  return at + 2 + (n === ANY ? 0 : n === CODE_MAP ? CODE_WORDS : n);
}

/** Whether the allowance at `at` takes the operation, as allowance-match.ts's allowanceMatches would. */
function allowanceTakes(prog: Int32Array, at: number, op: Operation): boolean {
  if (!codeTaken(prog, at, op)) return false;
  const scopesStart = scopesAt(prog, at);
  const scopes = prog[scopesStart]!;
  if (scopes === ANY) return true;
  if (op.targetsTruncated) return false;
  const targets = op.targets;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    // A Modbus-scoped allowance says nothing of other protocols' targets.
    if (t.type === 'modbus' && !modbusTargetAllowed(prog, scopesStart + 1, scopes, t)) return false;
  }
  return targets.length > 0;
}

/** Length of the allowance record at `at`. */
function allowanceLength(prog: Int32Array, at: number): number {
  const scopesStart = scopesAt(prog, at);
  const scopes = prog[scopesStart]!;
  let end = scopesStart + 1;
  for (let s = 0; s < scopes; s++) end += 3 + (prog[end + 2] === ANY ? 0 : 2 * prog[end + 2]!);
  return end - at;
}

const SLOT = 6;

export class PairTable<R extends PairRule> {
  /** Per slot: client, server, deny run start, deny count, allow run start, allow count (count -1: empty slot). */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** The rules' runs: offsets of rule records, then the records. */
  private readonly prog: Int32Array;
  private readonly rules: R[] = [];
  /** After a scan of an allow run: its first rule whose port matched but whose allowances did not. */
  near: R | undefined;
  /** Whether one of near's allowances takes the operation's kind and code (so its targets were out of range). */
  nearCode = false;

  /** @param pairs each pair's lists; pairs whose addresses are not canonical IPv4 are left out (the caller keeps them) */
  constructor(pairs: PairLists<R>[]) {
    const usable: { p: PairLists<R>; client: number; server: number }[] = [];
    for (const p of pairs) {
      const client = ipv4Number(p.client);
      const server = ipv4Number(p.server);
      if (client >= 0 && server >= 0) usable.push({ p, client, server });
    }
    let capacity = 16;
    while (capacity < usable.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity * SLOT);
    for (let i = 0; i < capacity; i++) this.slots[i * SLOT + 3] = -1;
    // A rule naming several hosts is in several pairs' runs: made into integers once, then copied.
    const flat = new Map<R, number[]>();
    let length = 0;
    for (const { p } of usable) {
      for (const r of p.deny.length ? [...p.deny, ...p.allow] : p.allow) {
        let record = flat.get(r);
        if (!record) {
          flat.set(r, (record = flatRule(r, this.rules.length)));
          this.rules.push(r);
        }
        length += record.length;
      }
    }
    this.prog = new Int32Array(length);
    let at = 0;
    const run = (list: R[]): number => {
      const start = at;
      for (const r of list) {
        const record = flat.get(r)!;
        for (let i = 0; i < record.length; i++) this.prog[at++] = record[i]!;
      }
      return start;
    };
    for (const { p, client, server } of usable) {
      const slot = this.slotOf(client, server);
      this.slots[slot] = client | 0;
      this.slots[slot + 1] = server | 0;
      this.slots[slot + 2] = run(p.deny);
      this.slots[slot + 3] = p.deny.length;
      this.slots[slot + 4] = run(p.allow);
      this.slots[slot + 5] = p.allow.length;
    }
  }

  /** The slot holding a pair, or the empty one where it would go. */
  private slotOf(client: number, server: number): number {
    const c = client | 0;
    const s = server | 0;
    // murmur3's finaliser: a plant's addresses differ in a few low bits, which must reach the slot bits.
    let h = Math.imul(c, 0x9e3779b1) ^ s;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) & this.mask;
    for (;;) {
      const at = h * SLOT;
      if (this.slots[at + 3] === -1 || (this.slots[at] === c && this.slots[at + 1] === s)) return at;
      h = (h + 1) & this.mask;
    }
  }

  /** The slot of a pair with rules, -1 for none. */
  find(client: number, server: number): number {
    const at = this.slotOf(client, server);
    return this.slots[at + 3] === -1 ? -1 : at;
  }

  /** The first deny rule of the pair that takes the request. */
  denying(slot: number, op: Operation): R | undefined {
    return this.scan(this.slots[slot + 2]!, this.slots[slot + 3]!, op, false);
  }

  /** The first allow rule of the pair that takes the operation (for a response: whose port matches); sets `near`. */
  allowing(slot: number, op: Operation): R | undefined {
    this.near = undefined;
    return this.scan(this.slots[slot + 4]!, this.slots[slot + 5]!, op, op.direction === 'response');
  }

  private scan(at: number, count: number, op: Operation, response: boolean): R | undefined {
    const prog = this.prog;
    const port = op.server.port;
    for (let i = 0; i < count; i++, at += prog[at]!) {
      const rulePort = prog[at + 2]!;
      if (rulePort !== ANY && rulePort !== port) continue;
      const rule = prog[at + 1]!;
      if (response) return this.rules[rule];
      const allowances = prog[at + 4]!;
      if (allowances === ANY) return this.rules[rule];
      if (prog[at + 3] === 1) {
        if (anyAllowance(this.rules[rule]!.allow!, op)) return this.rules[rule];
      } else {
        for (let a = 0, p = at + 5; a < allowances; a++, p += allowanceLength(prog, p)) if (allowanceTakes(prog, p, op)) return this.rules[rule];
      }
      if (this.near === undefined) {
        this.near = this.rules[rule];
        this.nearCode = this.codeTaken(at, op);
      }
    }
    return undefined;
  }

  private codeTaken(at: number, op: Operation): boolean {
    const prog = this.prog;
    if (prog[at + 3] === 1) return this.rules[prog[at + 1]!]!.allow!.some((a) => codeMatches(a, op));
    for (let a = 0, p = at + 5; a < prog[at + 4]!; a++, p += allowanceLength(prog, p)) if (codeTaken(prog, p, op)) return true;
    return false;
  }
}
