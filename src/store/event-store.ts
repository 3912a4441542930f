// The gateway's events for people to read: denials and would-be denials from inspection, and
// alerts (latency budgets, engine exits and hangs). Written in batches, kept bounded: the newest
// `MAX_EVENTS` stay.

import type { Db } from './database.js';
import type { AuditLog } from './audit-log.js';
import type { GatewayEvent } from './records.js';

export const MAX_EVENTS = 100_000;

export type { GatewayEvent } from './records.js';

type Row = { id: number; ts: number; kind: GatewayEvent['kind']; data: string; acked_by: string | null; acked_at: number | null };

function fromRow(r: Row): GatewayEvent {
  return {
    id: r.id,
    ts: r.ts,
    kind: r.kind,
    data: JSON.parse(r.data) as Record<string, unknown>,
    ...(r.acked_by !== null ? { ackedBy: r.acked_by, ackedAt: r.acked_at! } : {}),
  };
}

export class EventStore {
  private readonly insert;

  constructor(readonly db: Db) {
    this.insert = db.prepare('INSERT INTO events (ts, kind, data) VALUES (?, ?, ?)');
  }

  /** The newest event's id (0: none yet). */
  lastId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM events').get() as { id: number }).id;
  }

  /** Appends a batch in one transaction, then trims the oldest past the bound. */
  append(events: Omit<GatewayEvent, 'id'>[]): void {
    if (events.length === 0) return;
    this.db.transaction(() => {
      for (const e of events) this.insert.run(e.ts, e.kind, JSON.stringify(e.data));
      this.db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?').run(MAX_EVENTS);
    })();
  }

  /** Removes events older than `before` (seconds); returns how many. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events WHERE ts < ?)').run(before).changes;
  }

  /** Events after `after` (an id), oldest first; or the newest `limit` when `after` is not given. */
  list(options: { after?: number; limit?: number; kind?: GatewayEvent['kind'] } = {}): GatewayEvent[] {
    const limit = Math.min(options.limit ?? 200, 1000);
    const where = ['id > ?', ...(options.kind ? ['kind = ?'] : [])].join(' AND ');
    const params = [options.after ?? 0, ...(options.kind ? [options.kind] : [])];
    const sql =
      options.after !== undefined
        ? `SELECT * FROM events WHERE ${where} ORDER BY id LIMIT ?`
        : `SELECT * FROM (SELECT * FROM events WHERE ${where} ORDER BY id DESC LIMIT ?) ORDER BY id`;
    return (this.db.prepare(sql).all(...params, limit) as Row[]).map(fromRow);
  }

  /** How many events of `kind` fell in each day (of 86,400 s) from `since`, oldest day first; days without any count 0. */
  perDay(kind: GatewayEvent['kind'], since: number, days: number): number[] {
    const counts = new Array<number>(days).fill(0);
    const rows = this.db.prepare('SELECT CAST((ts - @since) / 86400 AS INTEGER) AS day, COUNT(*) AS n FROM events WHERE kind = @kind AND ts >= @since GROUP BY day').all({ kind, since }) as { day: number; n: number }[];
    for (const r of rows) if (r.day >= 0 && r.day < days) counts[r.day] = r.n;
    return counts;
  }

  /**
   * Events of `kind` at or after `since` (seconds), newest first, at most `limit`: read one at a
   * time, never held together. Nothing else may use the connection until the iteration ends.
   */
  *since(kind: GatewayEvent['kind'], since: number, limit: number): Generator<GatewayEvent> {
    for (const r of this.db.prepare('SELECT * FROM events WHERE kind = ? AND ts >= ? ORDER BY id DESC LIMIT ?').iterate(kind, since, limit) as Iterable<Row>) yield fromRow(r);
  }

  /**
   * The newest `limit` events of `kinds` whose client or server is `ip`: read from the newest
   * back, stopping at the limit, at worst all MAX_EVENTS (85 ms measured). Not indexed on
   * purpose: two indexes on the ends cost the engine 19 ms instead of 5 per 1,000 events it
   * writes (on its own thread, once a second; a flood of 10,000 would hold verdicts 190 ms).
   */
  involving(ip: string, kinds: readonly GatewayEvent['kind'][], limit: number): GatewayEvent[] {
    const sql = "SELECT * FROM events WHERE (json_extract(data, '$.client') = ? OR json_extract(data, '$.server') = ?) AND kind IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT ?";
    return (this.db.prepare(sql).all(ip, ip, JSON.stringify(kinds), limit) as Row[]).map(fromRow);
  }

  /** Alerts nobody has acknowledged yet. */
  unacknowledged(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'alert' AND acked_by IS NULL").get() as { n: number }).n;
  }

  /** An operator has seen an event; returns false when there is no such event or it was acknowledged already. */
  acknowledge(id: number, by: string, audit: AuditLog): boolean {
    return this.db.transaction(() => {
      const done = this.db.prepare('UPDATE events SET acked_by = ?, acked_at = ? WHERE id = ? AND acked_by IS NULL').run(by, Date.now() / 1000, id).changes === 1;
      if (done) audit.append(by, 'event.acknowledge', `event ${id}`);
      return done;
    }).immediate();
  }
}
