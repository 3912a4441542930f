// The learned picture of the plant, kept in memory and handed to the store as changes: the asset
// inventory, the conversation baseline and the discoveries (what was new, and when).

import { isGroupAddress } from '../../protocols/net/address.js';
import type { Endpoint, Operation, Protocol } from '../../protocols/operation.js';
import type { Transaction } from '../flow/transactions.js';
import { protocolModule } from '../../protocols/registry.js';
import type { Asset, Conversation, Discovery, OperationStats, Role } from './model.js';
import { mainPoll, newOperationStats, operationKey, recordTransaction, type ValueCheck } from './operation-stats.js';
import { hasHour, hourOfDay } from './hours.js';
import { macVendor } from './oui.js';
import { guessPurdue } from './purdue.js';
import { appended } from './lists.js';
import { conversationKey, hostKey } from './keys.js';
import { DEFAULT_LEARN_LIMITS, type LearnLimits } from './learn-limits.js';
import type { NoveltyListener } from './novelty.js';
import { MacAddresses } from './mac-addresses.js';

/** Where conversations not held in memory are found (the store). */
export type ConversationLoader = (key: string) => Conversation | undefined;

const ACTIVE_KINDS = new Set(['write', 'control', 'program']);

interface Route {
  clientIp: string;
  clientPort: number;
  conv: Conversation;
  client: Asset | undefined;
  server: Asset | undefined;
  /** The operation the flow's last transaction was (a poll repeats it): its statistics found without building its key. */
  lastKind?: string;
  lastCode?: number;
  lastSubCode?: number | undefined;
  lastStats?: OperationStats;
}

export interface BaselineChanges {
  assets: Asset[];
  conversations: Conversation[];
  discoveries: Discovery[];
}

export interface BaselineCounts {
  /** Addresses and conversations not learned because a limit was reached. */
  assetsDropped: number;
  conversationsDropped: number;
  operationsDropped: number;
}

export class Baseline {
  readonly assets = new Map<string, Asset>();
  /** Conversations in memory, least recently used first; dirty ones stay until flushed. */
  private readonly conversations = new Map<string, Conversation>();
  /** Conversations known, in memory and in the store. */
  conversationCount = 0;
  readonly counts: BaselineCounts = { assetsDropped: 0, conversationsDropped: 0, operationsDropped: 0 };
  /** Capture-time span of what was learned, and the time of the last discovery. */
  firstSeen = 0;
  lastSeen = 0;
  lastDiscovery = 0;
  private readonly dirtyAssets = new Set<string>();
  private readonly dirtyConversations = new Set<string>();
  private discoveries: Discovery[] = [];
  private readonly macAddresses = new MacAddresses();
  /** flowId -> what its transactions update, so that keys are not rebuilt per transaction. Cleared at each flush. */
  private readonly routes = new Map<string, Route>();
  /** Told what is new (the detectors); absent: learning only. */
  listener: NoveltyListener | undefined;
  /** The operation being learned, for the listener (set once per transaction instead of passed down every call). */
  private current: Operation | undefined;
  private currentConversation: Conversation | undefined;
  /** Made once: recordTransaction calls it for each value while a listener listens. */
  private readonly valueCheck: ValueCheck = (point, value, profile) => this.listener?.value(this.currentConversation!, this.current!, point, value, profile);

  constructor(
    private readonly limits: LearnLimits = DEFAULT_LEARN_LIMITS,
    private readonly load: ConversationLoader = () => undefined,
    loaded?: { assets: Asset[]; conversationCount: number; firstSeen: number; lastSeen: number; lastDiscovery: number },
  ) {
    if (!loaded) return;
    for (const a of loaded.assets) {
      this.assets.set(a.key, a);
      for (const m of a.macs) this.noteMac(m.mac, a.key);
    }
    this.conversationCount = loaded.conversationCount;
    this.firstSeen = loaded.firstSeen;
    this.lastSeen = loaded.lastSeen;
    this.lastDiscovery = loaded.lastDiscovery;
  }

  transaction(t: Transaction): void {
    this.current = t.op;
    this.learn(t);
    this.listener?.transaction(t, this.routes.get(t.op.flowId)?.conv);
  }

  private learn(t: Transaction): void {
    const op = t.op;
    const ts = op.evidence.ts;
    this.seen(ts);
    let route = this.routes.get(op.flowId);
    let newConversation = false;
    if (route && route.clientIp === op.client.ip && route.clientPort === op.client.port) {
      // The route was made in this flush interval, its assets and conversation marked changed then (takeChanges clears both).
      if (route.client) this.refreshAsset(route.client, op.protocol, roleOf(op, true), op.client.mac, ts);
      if (route.server) this.refreshAsset(route.server, op.protocol, roleOf(op, false), op.server.mac, ts);
      refreshConversation(route.conv, ts);
    } else {
      const client = this.learnAsset(op.protocol, roleOf(op, true), op.client, ts);
      const server = isGroupAddress(op.server) ? undefined : this.learnAsset(op.protocol, roleOf(op, false), op.server, ts);
      const before = this.conversationCount;
      const conv = this.conversation(op.protocol, op.client, op.server, ts);
      // What a new conversation or operation brings is part of that one discovery.
      newConversation = this.conversationCount !== before;
      route = conv && { clientIp: op.client.ip, clientPort: op.client.port, conv, client, server, lastKind: undefined, lastCode: undefined, lastSubCode: undefined, lastStats: undefined };
      if (route) this.routes.set(op.flowId, route);
    }
    if (t.response) this.learnIdentity(t.response);
    this.learnIdentity(op);
    if (!route) return;
    const conv = route.conv;
    if (t.status === 'orphan_response') {
      conv.orphanResponses++;
      return;
    }
    conv.transactions++;
    let stats = route.lastCode === op.code && route.lastKind === op.kind && route.lastSubCode === op.subCode ? route.lastStats : conv.operations[operationKey(op)];
    if (!stats) {
      if (Object.keys(conv.operations).length >= this.limits.maxOperationsPerConversation) {
        this.counts.operationsDropped++;
        return;
      }
      if (!newConversation) {
        this.discover(ts, 'operation', conv.key, `${op.protocol} ${op.kind} ${op.codeName}${op.subCodeName ? `/${op.subCodeName}` : ''}`);
        this.listener?.operation(conv, op);
      }
      stats = conv.operations[operationKey(op)] = newOperationStats(op);
      recordTransaction(stats, t);
    } else {
      this.currentConversation = conv;
      const hour = this.listener ? hourOfDay(ts) : 0;
      if (this.listener && !hasHour(stats.hours, hour)) this.listener.hour(conv, op, stats, hour);
      for (const what of recordTransaction(stats, t, this.listener ? this.valueCheck : undefined)) {
        this.discover(ts, 'target', conv.key, `${op.codeName} ${what}`);
        this.listener?.target(conv, what, op);
      }
    }
    route.lastKind = op.kind;
    route.lastCode = op.code;
    route.lastSubCode = op.subCode;
    route.lastStats = stats;
    this.milestones(conv, stats);
  }

  /** The known addresses a MAC was seen with (up to the router threshold). */
  addressesWithMac(mac: string): ReadonlySet<string> | undefined {
    return this.macAddresses.of(mac);
  }

  asset(ip: string, vlan: number | undefined): Asset | undefined {
    return this.assets.get(hostKey(ip, vlan));
  }

  /** Dirty conversations beyond the cache: the caller should flush now. */
  get needsFlush(): boolean {
    return this.dirtyConversations.size > this.limits.maxCachedConversations / 2;
  }

  /** Counts, once per conversation, what the Purdue guess of its endpoints rests on. */
  private milestones(conv: Conversation, stats: OperationStats): void {
    const client = this.assets.get(hostKey(conv.client.ip, conv.client.vlan));
    if (!client) return;
    const module = protocolModule(conv.protocol);
    const field = module.field && !conv.server.broadcast;
    if (field && !conv.queried && stats.kind !== 'discovery' && stats.kind !== 'unknown') {
      conv.queried = true;
      client.activity.fieldServersQueried++;
    }
    if (field && !conv.written && ACTIVE_KINDS.has(stats.kind)) {
      conv.written = true;
      client.activity.fieldServersWritten++;
    }
    if (field && stats.kind === 'read') {
      const poll = mainPoll(stats);
      if (poll && !conv.polled) {
        conv.polled = true;
        client.activity.fieldServersPolled++;
      }
      // The period sharpens as samples accumulate: keep the latest estimate.
      if (poll) client.activity.pollInterval = poll.interval;
    }
    if (!client.activity.opcuaHistory && module.gathersHistory(stats.codeName)) client.activity.opcuaHistory = true;
  }

  /** Traffic volume of a flow, credited to its conversation. */
  counters(protocol: Protocol, client: Endpoint, server: Endpoint, packets: number, bytes: number): void {
    // Connection attempts carry no operation: their hosts are still part of the picture.
    this.learnAsset(protocol, undefined, client, this.lastSeen);
    if (!isGroupAddress(server)) this.learnAsset(protocol, undefined, server, this.lastSeen);
    const conv = this.conversation(protocol, client, server, this.lastSeen);
    if (!conv) return;
    conv.packets += packets;
    conv.bytes += bytes;
  }

  /** What changed since the last call; Purdue guesses are refreshed for the assets involved. */
  takeChanges(): BaselineChanges {
    const assets: Asset[] = [];
    for (const key of this.dirtyAssets) {
      const a = this.assets.get(key);
      if (!a) continue;
      const guess = guessPurdue(a);
      if (guess) a.purdue = guess;
      else delete a.purdue;
      assets.push(a);
    }
    const changes = { assets, conversations: [...this.dirtyConversations].map((k) => this.conversations.get(k)!), discoveries: this.discoveries };
    this.dirtyAssets.clear();
    this.dirtyConversations.clear();
    this.discoveries = [];
    this.routes.clear();
    this.trimCache();
    return changes;
  }

  /** Drops the least recently used clean conversations beyond the cache size. */
  private trimCache(): void {
    let excess = this.conversations.size - this.limits.maxCachedConversations;
    for (const key of this.conversations.keys()) {
      if (excess <= 0) break;
      if (this.dirtyConversations.has(key)) continue;
      this.conversations.delete(key);
      excess--;
    }
  }

  private seen(ts: number): void {
    if (this.firstSeen === 0 || ts < this.firstSeen) this.firstSeen = ts;
    if (ts > this.lastSeen) this.lastSeen = ts;
  }

  private discover(ts: number, type: Discovery['type'], subject: string, detail: string): void {
    this.discoveries.push({ ts, type, subject, detail });
    if (ts > this.lastDiscovery) this.lastDiscovery = ts;
  }

  private conversation(protocol: Protocol, client: Endpoint, server: Endpoint, ts: number): Conversation | undefined {
    const key = conversationKey(protocol, client, server);
    let c = this.conversations.get(key);
    if (c) {
      // Recency order for the cache: once per flush interval is enough.
      if (!this.dirtyConversations.has(key)) {
        this.conversations.delete(key);
        this.conversations.set(key, c);
      }
    } else if ((c = this.load(key))) {
      this.conversations.set(key, c);
    } else {
      if (this.conversationCount >= this.limits.maxConversations) {
        this.counts.conversationsDropped++;
        return undefined;
      }
      c = {
        key,
        protocol,
        client: { ip: client.ip },
        server: { ip: server.ip, port: server.port },
        firstSeen: ts,
        lastSeen: ts,
        packets: 0,
        bytes: 0,
        transactions: 0,
        orphanResponses: 0,
        operations: {},
      };
      if (client.vlan !== undefined) c.client.vlan = client.vlan;
      if (server.vlan !== undefined) c.server.vlan = server.vlan;
      if (isGroupAddress(server)) c.server.broadcast = true;
      this.conversations.set(key, c);
      this.conversationCount++;
      const served = c.server.broadcast ? undefined : this.assets.get(hostKey(server.ip, server.vlan));
      if (served) served.activity.clientsServed++;
      this.discover(ts, 'conversation', key, `${protocol} ${client.ip} -> ${c.server.broadcast ? `broadcast ${server.ip}` : server.ip}:${server.port}`);
      if (this.current) this.listener?.conversation(c, this.current);
    }
    this.touchConversation(c, ts);
    return c;
  }

  private touchConversation(c: Conversation, ts: number): void {
    refreshConversation(c, ts);
    this.dirtyConversations.add(c.key);
  }

  private learnAsset(protocol: Protocol, role: Role | undefined, e: Endpoint, ts: number): Asset | undefined {
    const key = hostKey(e.ip, e.vlan);
    let a = this.assets.get(key);
    if (!a) {
      if (this.assets.size >= this.limits.maxAssets) {
        this.counts.assetsDropped++;
        return undefined;
      }
      a = {
        key,
        ip: e.ip,
        macs: [],
        firstSeen: ts,
        lastSeen: ts,
        protocols: [],
        roles: [],
        identity: {},
        activity: { clientsServed: 0, fieldServersQueried: 0, fieldServersPolled: 0, fieldServersWritten: 0 },
      };
      if (e.vlan !== undefined) a.vlan = e.vlan;
      this.assets.set(key, a);
      if (this.current) this.listener?.asset(a, this.current);
      this.discover(ts, 'asset', key, `new ${protocol} host ${e.ip}${e.mac ? ` (${e.mac}${macVendor(e.mac) ? `, ${macVendor(e.mac)}` : ''})` : ''}`);
    }
    this.touchAsset(a, protocol, role, e.mac, ts);
    return a;
  }

  private touchAsset(a: Asset, protocol: Protocol, role: Role | undefined, mac: string | undefined, ts: number): void {
    this.refreshAsset(a, protocol, role, mac, ts);
    this.dirtyAssets.add(a.key);
  }

  /** touchAsset() for an asset already marked changed. */
  private refreshAsset(a: Asset, protocol: Protocol, role: Role | undefined, mac: string | undefined, ts: number): void {
    if (ts > a.lastSeen) a.lastSeen = ts;
    if (ts < a.firstSeen) a.firstSeen = ts;
    // An all-zero MAC is a loopback or synthetic capture's, not a device's.
    if (mac && mac !== '00:00:00:00:00:00') this.learnMac(a, mac, ts);
    if (!a.protocols.includes(protocol)) a.protocols = appended(a.protocols, protocol);
    if (role && !a.roles.includes(role)) a.roles = appended(a.roles, role);
  }

  private learnMac(a: Asset, mac: string, ts: number): void {
    for (const m of a.macs) {
      if (m.mac !== mac) continue;
      if (ts > m.lastSeen) m.lastSeen = ts;
      return;
    }
    if (a.macs.length >= this.limits.maxMacsPerAsset) return;
    if (a.macs.length > 0 && this.current && this.listener) this.listener.mac(a, mac, a.macs.map((x) => x.mac), this.current);
    const vendor = macVendor(mac);
    const sighting: Asset['macs'][number] = vendor ? { mac, firstSeen: ts, lastSeen: ts, vendor } : { mac, firstSeen: ts, lastSeen: ts };
    a.macs = appended(a.macs, sighting);
    this.noteMac(mac, a.key);
  }

  /** Tracks the addresses behind each MAC; a router's MAC marks every host it fronts. */
  private noteMac(mac: string, assetKey: string): void {
    for (const key of this.macAddresses.note(mac, assetKey)) {
      const a = this.assets.get(key);
      if (!a || a.behindRouter) continue;
      a.behindRouter = true;
      this.dirtyAssets.add(key);
    }
  }

  /** Identification PDUs name the device that sent them (what each protocol's module reads from them). */
  private learnIdentity(op: Operation): void {
    const claims = protocolModule(op.protocol).identity(op);
    if (claims.length === 0) return;
    for (const claim of claims) {
      const e = claim.endpoint === 'client' ? op.client : op.server;
      const a = this.assets.get(hostKey(e.ip, e.vlan));
      if (!a) continue;
      const slots = a.identity as Record<string, Record<string, string | number> | undefined>;
      const held = slots[claim.slot];
      const another = held && claim.identifies?.some((k) => claim.fields[k] !== undefined && held[k] !== undefined && held[k] !== claim.fields[k]);
      if (!held || another) slots[claim.slot] = { ...claim.fields };
      else if (claim.limit === undefined) Object.assign(held, claim.fields);
      else addWithin(held, claim.fields, claim.limit);
    }
    this.dirtyAssets.add(hostKey(op.server.ip, op.server.vlan));
    this.dirtyAssets.add(hostKey(op.client.ip, op.client.vlan));
  }
}

function refreshConversation(c: Conversation, ts: number): void {
  if (ts > c.lastSeen) c.lastSeen = ts;
  if (ts < c.firstSeen) c.firstSeen = ts;
}

/** A slot of many entries takes new ones while it holds fewer than `limit`; known ones are updated. */
function addWithin(held: Record<string, string | number>, fields: Readonly<Record<string, string | number>>, limit: number): void {
  let size = Object.keys(held).length;
  for (const [k, v] of Object.entries(fields)) {
    if (k in held) held[k] = v;
    else if (size < limit) {
      held[k] = v;
      size++;
    }
  }
}

/** The role an operation shows for one of its endpoints. */
function roleOf(op: Operation, isClient: boolean): Role | undefined {
  return protocolModule(op.protocol).role(op, isClient) as Role | undefined;
}
