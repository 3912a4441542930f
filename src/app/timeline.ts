// One asset's story, newest first, told from every table that remembers something of it: when
// learning first saw it and its new conversations and operations, the alerts about it or its
// conversations, the denials (and learn mode's would-be denials) naming it, and island mode on
// and off for its address in the audit log. Each source is read newest first through an index,
// at most one entry past the limit, so merging them keeps exactly the newest `limit`.

import type { EventOperation } from '../enforce/inspector.js';
import { conversationKey } from '../learn/keys.js';
import { AddressSet, parseMember } from '../policy/addresses.js';
import { AlertStore, type Alert } from '../store/alert-store.js';
import { AuditLog, type AuditEntry } from '../store/audit-log.js';
import type { Db } from '../store/database.js';
import { EventStore, type GatewayEvent } from '../store/event-store.js';
import { LearnStore, type ConversationEnds, type StoredDiscovery } from '../store/learn-store.js';
import type { AssetRecordType as Asset } from '../store/records.js';
import { TIMELINE_KINDS, type AssetTimeline, type TimelineEntry } from './schemas.js';

/** Entries one timeline holds at most (the console's limit stops there). */
export const MAX_TIMELINE = 1000;
/**
 * Isolations and releases read back from the audit log, newest, for one timeline: a zone's
 * release is matched to the asset through the members its isolation recorded, so both must be
 * in this window.
 */
export const ISOLATIONS_READ = 2000;

/** The discoveries a timeline tells (new targets are left to the conversation's page: there are many). */
const DISCOVERED: Record<string, TimelineEntry['kind']> = { asset: 'first-seen', conversation: 'new-conversation', operation: 'new-operation' };
const REFUSALS: GatewayEvent['kind'][] = ['deny', 'would-deny'];
const ISOLATION_ACTIONS = ['gateway.isolate', 'gateway.release'];

const rank = (k: TimelineEntry['kind']) => TIMELINE_KINDS.indexOf(k);
/** Newest first; at one instant, the story's later step first (an alert after the first sighting it is about). */
const newestFirst = (a: TimelineEntry, b: TimelineEntry) => b.ts - a.ts || rank(b.kind) - rank(a.kind);

export class Timelines {
  private readonly learn: LearnStore;
  private readonly alerts: AlertStore;
  private readonly events: EventStore;
  private readonly audit: AuditLog;

  constructor(db: Db) {
    this.learn = new LearnStore(db);
    this.alerts = new AlertStore(db);
    this.events = new EventStore(db);
    this.audit = new AuditLog(db);
  }

  /** The newest `limit` entries about asset `a`, and the span its chart covers. */
  of(a: Asset, limit: number): Omit<AssetTimeline, 'asset'> {
    const ends = new Map(this.learn.conversationsOf(a.key, a.ip).map((c) => [c.key, c]));
    const room = Math.min(limit, MAX_TIMELINE) + 1;
    const all = [
      ...this.learn.discoveriesOf([a.key, ...ends.keys()], Object.keys(DISCOVERED), room).map((d) => discovered(d, ends)),
      ...this.alerts.about(a.ip, [...ends.keys()], room).map(alerted),
      ...this.events.involving(a.ip, REFUSALS, room).map((e) => refused(e, ends)),
      ...isolations(this.audit.ofActions(ISOLATION_ACTIONS, ISOLATIONS_READ), a.ip),
    ].sort(newestFirst);
    const entries = all.slice(0, room - 1);
    const times = [a.firstSeen, a.lastSeen, ...entries.map((e) => e.ts)];
    return { entries, truncated: all.length > entries.length, from: Math.min(...times), to: Math.max(...times) };
  }
}

const between = (c: ConversationEnds) => `${c.client} -> ${c.server}:${c.port}`;

function discovered(d: StoredDiscovery, ends: ReadonlyMap<string, ConversationEnds>): TimelineEntry {
  const kind = DISCOVERED[d.type]!;
  if (kind === 'first-seen') return { ts: d.ts, kind, text: `First seen: ${d.detail}` };
  const c = ends.get(d.subject);
  const text = kind === 'new-conversation' ? `New conversation: ${d.detail}` : `New operation${c ? ` on ${between(c)}` : ''}: ${d.detail}`;
  return { ts: d.ts, kind, text, link: { conversation: d.subject } };
}

function alerted(a: Alert): TimelineEntry {
  const text = `${a.summary}${a.count > 1 ? ` (${a.count} times)` : ''}${a.status === 'new' ? '' : `; ${a.status}`}`;
  return { ts: a.firstSeen, kind: 'alert', severity: a.severity, text, link: { alert: a.id, ...(a.conversation ? { conversation: a.conversation } : {}) } };
}

/** The conversation an event's request belongs to, when it is one the baseline holds. */
function eventConversation(e: GatewayEvent, ends: ReadonlyMap<string, ConversationEnds>): string | undefined {
  const op = (e.data as { operation?: EventOperation }).operation;
  if (!op || !e.data.client || !e.data.server) return undefined;
  const key = conversationKey(op.protocol, { ip: e.data.client, port: 0 }, { ip: e.data.server, port: op.port });
  return ends.has(key) ? key : undefined;
}

function refused(e: GatewayEvent, ends: ReadonlyMap<string, ConversationEnds>): TimelineEntry {
  const who = e.data.client || e.data.server ? `${e.data.client || '?'} -> ${e.data.server || '?'}: ` : '';
  const why = e.data.reason ?? e.data.reasonCode ?? 'denied';
  const text = `${who}${why}${e.kind === 'would-deny' ? ' (learn mode: let through)' : ''}`;
  const conversation = eventConversation(e, ends);
  return { ts: e.ts, kind: e.kind as 'deny' | 'would-deny', text, ...(conversation ? { link: { conversation } } : {}) };
}

/** Whether addresses and CIDR blocks (an isolation's, as recorded) take in `ip`. */
function covers(addresses: readonly string[], ip: string): boolean {
  return new AddressSet(addresses.map(parseMember).filter((m) => typeof m !== 'string')).has(ip);
}

/** Island mode on and off for `ip`, from the audit log's entries (oldest first): its address, a block or a zone holding it. */
function isolations(entries: readonly AuditEntry[], ip: string): TimelineEntry[] {
  /** Targets isolated in the window, and whether they took in the asset. */
  const took = new Map<string, boolean>();
  const out: TimelineEntry[] = [];
  for (const e of entries) {
    const as = e.target === ip ? '' : ` with ${e.target}`;
    if (e.action === 'gateway.isolate') {
      const addresses = Array.isArray(e.detail.addresses) ? e.detail.addresses.map(String) : [e.target];
      took.set(e.target, covers(addresses, ip));
      const reason = typeof e.detail.reason === 'string' && e.detail.reason ? `: ${e.detail.reason}` : '';
      if (took.get(e.target)) out.push({ ts: e.ts, kind: 'isolate', text: `Isolated (island mode)${as} by ${e.actor}${reason}` });
    } else if (took.get(e.target) ?? covers([e.target], ip)) {
      took.delete(e.target);
      out.push({ ts: e.ts, kind: 'release', text: `Released from island mode${as} by ${e.actor}` });
    }
  }
  return out;
}
