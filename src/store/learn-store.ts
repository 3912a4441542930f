// Persistence of what learning produces. Each flush is one transaction: the baseline's changes,
// the stream events, the learning clock and the progress of the capture source together, so a
// killed process resumes from a consistent point.

import { readSetting, WRITE_SETTING } from './settings.js';
import type { Db } from './database.js';
import { assetSearchSql, searchNeedle } from './asset-search.js';
import { conversationDigest, type ConversationDigest, type DigestSource } from './conversation-digest.js';
import { AlertStore, type AlertUpdate } from './alert-store.js';
import type { AssetRecordType as Asset, ConversationRecordType as Conversation } from './records.js';

/** Stored records are the learning model's own JSON (store/records.ts); the store does not interpret them. */
export interface Keyed {
  key: string;
}

export interface StoredAsset extends Keyed {
  ip: string;
  firstSeen: number;
  lastSeen: number;
}

export interface StoredConversation extends Keyed, DigestSource {
  firstSeen: number;
  lastSeen: number;
}

export interface StoredDiscovery {
  ts: number;
  type: string;
  subject: string;
  detail: string;
}

/** A conversation's key and ends, without its statistics. */
export interface ConversationEnds {
  key: string;
  protocol: string;
  client: string;
  server: string;
  port: number;
}

export interface StoredEvent {
  ts: number;
  event: string;
  flowId: string;
  protocol?: string;
  detail: string;
}

export interface SourceProgress {
  /** Stable identity: for a file, its path, size and modification time. */
  id: string;
  kind: 'pcap' | 'interface';
  name: string;
  size?: number;
  packetsDone: number;
  finished: boolean;
}

/** The learning clock (capture time, seconds). */
export interface LearnClock {
  firstSeen: number;
  lastSeen: number;
  lastDiscovery: number;
}

/** Everything a flush writes but the records themselves. */
export interface BatchFacts {
  discoveries: StoredDiscovery[];
  events: StoredEvent[];
  clock: LearnClock;
  source?: SourceProgress;
  counts?: Record<string, number>;
  /** The non-IP EtherTypes seen (learning's census, stored as it is). */
  etherTypes?: unknown;
  /** The detectors' alerts found in this stretch of traffic. */
  alerts?: AlertUpdate[];
}

export interface FlushBatch<A extends StoredAsset, C extends StoredConversation> extends BatchFacts {
  assets: A[];
  conversations: C[];
}

/** A record's JSON as its statement binds it: text, or its UTF-8 bytes (which the statement casts to text). */
export type RecordJson = string | Uint8Array;
export type AssetRow = [key: string, ip: string, firstSeen: number, lastSeen: number, data: RecordJson];
export type ConversationRow = [key: string, protocol: string, clientIp: string, serverIp: string, serverPort: number, firstSeen: number, lastSeen: number, data: RecordJson, digest: RecordJson];

/** Each record's JSON made as its row is written, so that a batch's text is never all held at once. */
function* assetRows(assets: readonly StoredAsset[]): Generator<AssetRow> {
  for (const a of assets) yield [a.key, a.ip, a.firstSeen, a.lastSeen, JSON.stringify(a)];
}

function* conversationRows(conversations: readonly StoredConversation[]): Generator<ConversationRow> {
  for (const c of conversations) yield [c.key, c.protocol, c.client.ip, c.server.ip, c.server.port, c.firstSeen, c.lastSeen, JSON.stringify(c), JSON.stringify(conversationDigest(c))];
}

/** Stream events kept; older ones are pruned at flush. */
export const MAX_STORED_EVENTS = 100_000;

/** The baseline's order (an index follows it). */
const CONVERSATION_ORDER = 'client_ip, server_ip, server_port, protocol';

function conversationFilter(f: { ip?: string; protocol?: string }): { where: string[]; args: string[] } {
  const where: string[] = [];
  const args: string[] = [];
  if (f.ip) {
    where.push('(client_ip = ? OR server_ip = ?)');
    args.push(f.ip, f.ip);
  }
  if (f.protocol) {
    where.push('protocol = ?');
    args.push(f.protocol);
  }
  return { where, args };
}

export class LearnStore {
  private readonly putAsset;
  private readonly putConversation;
  private readonly putDiscovery;
  private readonly putEvent;
  private readonly putSource;
  private readonly putMeta;
  private readonly bumpRevision;
  private readonly pruneEvents;
  private readonly flushTx;
  private readonly getConversation;
  private readonly alerts: AlertStore;

  constructor(readonly db: Db) {
    // The record's JSON is bound twice: once stored, once read for its search text.
    this.putAsset = db.prepare(
      `INSERT INTO assets (key, ip, first_seen, last_seen, data, search) VALUES (?, ?, ?, ?, CAST(? AS TEXT), ${assetSearchSql('CAST(? AS TEXT)')}) ON CONFLICT (key) DO UPDATE SET ip = excluded.ip, first_seen = excluded.first_seen, last_seen = excluded.last_seen, data = excluded.data, search = excluded.search`,
    );
    this.putConversation = db.prepare(
      'INSERT INTO conversations (key, protocol, client_ip, server_ip, server_port, first_seen, last_seen, data, digest) VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT)) ON CONFLICT (key) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen, data = excluded.data, digest = excluded.digest',
    );
    this.getConversation = db.prepare('SELECT data FROM conversations WHERE key = ?');
    this.alerts = new AlertStore(db);
    this.putDiscovery = db.prepare('INSERT INTO discoveries (ts, type, subject, detail) VALUES (?, ?, ?, ?)');
    this.putEvent = db.prepare('INSERT INTO stream_events (ts, type, flow, protocol, detail) VALUES (?, ?, ?, ?, ?)');
    this.putSource = db.prepare(
      'INSERT INTO sources (id, kind, name, size, packets_done, finished, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET packets_done = excluded.packets_done, finished = excluded.finished, updated_at = excluded.updated_at',
    );
    this.putMeta = db.prepare(WRITE_SETTING);
    this.bumpRevision = db.prepare(`INSERT INTO meta (key, value) VALUES ('learn.revision', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`);
    this.pruneEvents = db.prepare('DELETE FROM stream_events WHERE id <= (SELECT MAX(id) FROM stream_events) - ?');
    this.flushTx = db.transaction((assets: Iterable<AssetRow>, conversations: Iterable<ConversationRow>, b: BatchFacts) => {
      for (const a of assets) this.putAsset.run(...a, a[4]);
      for (const c of conversations) this.putConversation.run(...c);
      for (const d of b.discoveries) this.putDiscovery.run(d.ts, d.type, d.subject, d.detail);
      for (const e of b.events) this.putEvent.run(e.ts, e.event, e.flowId, e.protocol ?? null, e.detail);
      if (b.events.length > 0) this.pruneEvents.run(MAX_STORED_EVENTS);
      this.putMeta.run('learn.clock', JSON.stringify(b.clock));
      this.bumpRevision.run();
      if (b.counts) this.putMeta.run('learn.counts', JSON.stringify(b.counts));
      if (b.etherTypes) this.putMeta.run('learn.etherTypes', JSON.stringify(b.etherTypes));
      if (b.alerts?.length) this.alerts.record(b.alerts);
      const s = b.source;
      if (s) this.putSource.run(s.id, s.kind, s.name, s.size ?? null, s.packetsDone, s.finished ? 1 : 0, Date.now() / 1000);
    });
  }

  flush<A extends StoredAsset, C extends StoredConversation>(batch: FlushBatch<A, C>): void {
    this.flushTx(assetRows(batch.assets), conversationRows(batch.conversations), batch);
  }

  /** A flush whose records are already JSON (made on learning's thread, written on the writer's), in one transaction. */
  writeRows(assets: Iterable<AssetRow>, conversations: Iterable<ConversationRow>, facts: BatchFacts): void {
    this.flushTx(assets, conversations, facts);
  }

  assets(): Asset[] {
    return (this.db.prepare('SELECT data FROM assets ORDER BY ip').all() as { data: string }[]).map((r) => JSON.parse(r.data) as Asset);
  }

  /**
   * The assets whose record has a field named one of `keys` (by its JSON text: the records are
   * searched in SQLite and only those parsed), in address order. A text match is a candidate:
   * the caller reads the field itself.
   */
  assetsMentioning(keys: readonly string[]): Asset[] {
    if (keys.length === 0) return [];
    const where = keys.map(() => 'instr(data, ?) > 0').join(' OR ');
    return (this.db.prepare(`SELECT data FROM assets WHERE ${where} ORDER BY ip`).all(...keys.map((k) => JSON.stringify(k) + ':')) as { data: string }[]).map((r) => JSON.parse(r.data) as Asset);
  }

  /**
   * One page of the inventory for the console: `q` matches any value of the record (address, MAC,
   * vendor, identity, role: asset-search.ts) in any case, `role` and `purdue` filter, sorted by
   * address, last seen or level.
   */
  assetsPage(o: { q?: string; role?: string; purdue?: number; sort?: 'ip' | 'lastSeen' | 'purdue'; desc?: boolean; limit: number; offset: number }): { total: number; items: Asset[] } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.q) {
      where.push('instr(search, ?) > 0');
      args.push(searchNeedle(o.q));
    }
    if (o.role) {
      // The roles array as the index assets_roles_ip holds it; a role is a bare identifier, so its quoted form is one element.
      where.push("instr(json_extract(data, '$.roles'), ?) > 0");
      args.push(JSON.stringify(o.role));
    }
    if (o.purdue !== undefined) {
      where.push("json_extract(data, '$.purdue.level') = ?");
      args.push(o.purdue);
    }
    const order = { ip: 'ip', lastSeen: 'last_seen', purdue: "json_extract(data, '$.purdue.level')" }[o.sort ?? 'ip'];
    // The address breaks ties in the same direction, so one index (assets_*_ip) serves both.
    const dir = o.desc ? 'DESC' : 'ASC';
    // A role's page in address order from the roles index alone (covering), then sorted: the address
    // index would read records in its order until a page matched (190 ms for a deep page at 50,000).
    const pageIndex = o.role && !o.q && order === 'ip' ? 'assets_roles_ip' : undefined;
    return this.page<Asset>('assets', where, args, `${order} ${dir}, ip ${dir}`, o.limit, o.offset, { scans: Boolean(o.q), pageIndex });
  }

  /** One page of the baseline for the console, by address and protocol. */
  conversationsPage(o: { ip?: string; protocol?: string; limit: number; offset: number }): { total: number; items: Conversation[] } {
    const { where, args } = conversationFilter(o);
    return this.page<Conversation>('conversations', where, args, CONVERSATION_ORDER, o.limit, o.offset);
  }

  /**
   * `scans`: the filter reads every row (a search in the text), so the matching rows are found
   * once, by rowid, and counted and cut here rather than scanned again for the page.
   * `pageIndex`: the index the page is found from, when the planner's choice would be slower.
   */
  private page<T>(
    table: 'assets' | 'conversations',
    where: string[],
    args: (string | number)[],
    order: string,
    limit: number,
    offset: number,
    how: { scans?: boolean; pageIndex?: string } = {},
  ): { total: number; items: T[] } {
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const read = (ids: string, idArgs: unknown[]) =>
      (this.db.prepare(`SELECT data FROM ${table} WHERE rowid IN (${ids}) ORDER BY ${order}`).all(...idArgs) as { data: string }[]).map((r) => JSON.parse(r.data) as T);
    if (how.scans) {
      const ids = (this.db.prepare(`SELECT rowid FROM ${table} ${w} ORDER BY ${order}`).pluck().all(...args) as number[]);
      return { total: ids.length, items: read('SELECT value FROM json_each(?)', [JSON.stringify(ids.slice(offset, offset + limit))]) };
    }
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} ${w}`).get(...args) as { n: number }).n;
    // The page found by rowid first, from the indexes alone: a deep page skips index entries, not records.
    const from = how.pageIndex ? `${table} INDEXED BY ${how.pageIndex}` : table;
    return { total, items: read(`SELECT rowid FROM ${from} ${w} ORDER BY ${order} LIMIT ? OFFSET ?`, [...args, limit, offset]) };
  }

  asset(key: string): Asset | undefined {
    const r = this.db.prepare('SELECT data FROM assets WHERE key = ?').get(key) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as Asset) : undefined;
  }

  /**
   * The conversations host `key` (address `ip`, "@vlanN" when tagged) is client or server of, by
   * the address indexes; the key's ends decide the VLAN ("client>server:port/protocol").
   */
  conversationsOf(key: string, ip: string): ConversationEnds[] {
    return this.db
      .prepare(
        `SELECT key, protocol, client_ip AS client, server_ip AS server, server_port AS port FROM conversations
         WHERE (client_ip = @ip AND substr(key, 1, length(@key) + 1) = @key || '>')
            OR (server_ip = @ip AND substr(key, -length(@key) - length(server_port) - length(protocol) - 3) = '>' || @key || ':' || server_port || '/' || protocol)
         ORDER BY ${CONVERSATION_ORDER}`,
      )
      .all({ key, ip }) as ConversationEnds[];
  }

  /** The newest `limit` discoveries of `types` whose subject is one of `subjects` (an asset's key, conversations' keys). */
  discoveriesOf(subjects: readonly string[], types: readonly string[], limit: number): StoredDiscovery[] {
    return this.db
      .prepare('SELECT ts, type, subject, detail FROM discoveries WHERE subject IN (SELECT value FROM json_each(?)) AND type IN (SELECT value FROM json_each(?)) ORDER BY ts DESC, id DESC LIMIT ?')
      .all(JSON.stringify(subjects), JSON.stringify(types), limit) as StoredDiscovery[];
  }

  conversation(key: string): Conversation | undefined {
    const r = this.getConversation.get(key) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as Conversation) : undefined;
  }

  /** Every stored conversation's key, read one at a time. */
  conversationKeys(): IterableIterator<string> {
    return this.db.prepare('SELECT key FROM conversations').pluck().iterate() as IterableIterator<string>;
  }

  conversations(filter: { ip?: string; protocol?: string } = {}): Conversation[] {
    const { where, args } = conversationFilter(filter);
    const sql = `SELECT data FROM conversations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${CONVERSATION_ORDER}`;
    return (this.db.prepare(sql).all(...args) as { data: string }[]).map((r) => JSON.parse(r.data) as Conversation);
  }

  /** Every conversation as simulation reads it (conversation-digest.ts), in the order of conversations(). */
  digests(): ConversationDigest[] {
    const rows = this.db.prepare(`SELECT coalesce(digest, data) FROM conversations ORDER BY ${CONVERSATION_ORDER}`).pluck().all() as string[];
    return rows.map((d) => JSON.parse(d) as ConversationDigest);
  }

  clock(): LearnClock | undefined {
    return this.meta<LearnClock>('learn.clock');
  }

  /** The EtherTypes learning saw besides IP, as learning stored them. */
  etherTypes<T>(): T | undefined {
    return this.meta<T>('learn.etherTypes');
  }

  /** Moves on with every flush (the only writer of assets and conversations): what was computed from them at one revision still holds. */
  revision(): number {
    return this.meta<number>('learn.revision') ?? 0;
  }

  counts(): Record<string, number> {
    return this.meta<Record<string, number>>('learn.counts') ?? {};
  }

  source(id: string): SourceProgress | undefined {
    const r = this.db.prepare('SELECT id, kind, name, size, packets_done, finished FROM sources WHERE id = ?').get(id) as
      | { id: string; kind: 'pcap' | 'interface'; name: string; size: number | null; packets_done: number; finished: number }
      | undefined;
    if (!r) return undefined;
    const s: SourceProgress = { id: r.id, kind: r.kind, name: r.name, packetsDone: r.packets_done, finished: r.finished === 1 };
    if (r.size !== null) s.size = r.size;
    return s;
  }

  /** Discoveries per hour of capture time, by type. */
  discoveriesPerHour(): { hour: number; type: string; count: number }[] {
    return this.db.prepare('SELECT CAST(ts / 3600 AS INTEGER) * 3600 AS hour, type, COUNT(*) AS count FROM discoveries GROUP BY hour, type ORDER BY hour, type').all() as {
      hour: number;
      type: string;
      count: number;
    }[];
  }

  /** Discoveries after id `after`, oldest first, at most `limit`: what the fleet link sends up. */
  discoveriesAfter(after: number, limit: number): (StoredDiscovery & { id: number })[] {
    return this.db.prepare('SELECT id, ts, type, subject, detail FROM discoveries WHERE id > ? ORDER BY id LIMIT ?').all(after, limit) as (StoredDiscovery & { id: number })[];
  }

  recentDiscoveries(limit: number): StoredDiscovery[] {
    return this.db.prepare('SELECT ts, type, subject, detail FROM discoveries ORDER BY id DESC LIMIT ?').all(limit) as StoredDiscovery[];
  }

  totals(): { assets: number; conversations: number; discoveries: number; events: number } {
    const one = (sql: string) => (this.db.prepare(sql).get() as { n: number }).n;
    return {
      assets: one('SELECT COUNT(*) AS n FROM assets'),
      conversations: one('SELECT COUNT(*) AS n FROM conversations'),
      discoveries: one('SELECT COUNT(*) AS n FROM discoveries'),
      events: one('SELECT COUNT(*) AS n FROM stream_events'),
    };
  }

  private meta<T>(key: string): T | undefined {
    return readSetting<T>(this.db, key);
  }
}
