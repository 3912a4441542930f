// The central site's read model of its fleet: the gateways enrolled (where they are, which
// rollout group, what each last said of itself) and the records they send up, each kept once by
// the id it has in its gateway's own store, so a record delivered twice (a redelivery after the
// centre restarted, a resend after a gateway restarted) is stored once.

import { verifyChain, type AuditRow } from './audit-log.js';
import type { Db } from './database.js';
import type { AuditEntry, AuditVerification } from './records.js';

export interface FleetGateway {
  id: string;
  site: string;
  cell: string;
  group: string;
  enrolledAt: number;
  enrolledBy: string;
  removedAt?: number;
  lastHeard?: number;
  health?: Record<string, unknown>;
  /** The latest policy result the gateway reported. */
  policy?: Record<string, unknown>;
}

export interface FleetRecord {
  gateway: string;
  kind: string;
  localId: string;
  ts: number;
  received: number;
  data: Record<string, unknown>;
}

interface GatewayRow {
  id: string;
  site: string;
  cell: string;
  rollout_group: string;
  secret_hash: string;
  enrolled_at: number;
  enrolled_by: string;
  removed_at: number | null;
  last_heard: number | null;
  health: string | null;
  policy: string | null;
}

function fromRow(r: GatewayRow): FleetGateway {
  return {
    id: r.id,
    site: r.site,
    cell: r.cell,
    group: r.rollout_group,
    enrolledAt: r.enrolled_at,
    enrolledBy: r.enrolled_by,
    ...(r.removed_at !== null ? { removedAt: r.removed_at } : {}),
    ...(r.last_heard !== null ? { lastHeard: r.last_heard } : {}),
    ...(r.health !== null ? { health: JSON.parse(r.health) as Record<string, unknown> } : {}),
    ...(r.policy !== null ? { policy: JSON.parse(r.policy) as Record<string, unknown> } : {}),
  };
}

export class FleetStore {
  private readonly insertRecord;
  /** When a gateway was last heard. */
  private readonly heard;
  /** Its health or policy result, for records of those kinds. */
  private readonly said;

  constructor(readonly db: Db) {
    this.insertRecord = db.prepare('INSERT OR IGNORE INTO fleet_records (gateway, kind, local_id, ts, received, data) VALUES (?, ?, ?, ?, ?, ?)');
    this.heard = db.prepare('UPDATE fleet_gateways SET last_heard = MAX(COALESCE(last_heard, 0), ?) WHERE id = ?');
    // Only a newer statement replaces the one held: a backlog arrives after what was said since.
    const said = (column: 'health' | 'policy') => db.prepare(`UPDATE fleet_gateways SET ${column} = ?, ${column}_ts = ? WHERE id = ? AND COALESCE(${column}_ts, 0) <= ?`);
    this.said = { health: said('health'), policy: said('policy') };
  }

  enrol(g: { id: string; site: string; cell: string; group: string; secretHash: string }, by: string): void {
    this.db
      .prepare('INSERT INTO fleet_gateways (id, site, cell, rollout_group, secret_hash, enrolled_at, enrolled_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(g.id, g.site, g.cell, g.group, g.secretHash, Date.now() / 1000, by);
  }

  /** Marks a gateway removed: it stays in the record, its credentials leave the hub. */
  remove(id: string): boolean {
    return this.db.prepare('UPDATE fleet_gateways SET removed_at = ? WHERE id = ? AND removed_at IS NULL').run(Date.now() / 1000, id).changes === 1;
  }

  get(id: string): FleetGateway | undefined {
    const r = this.db.prepare('SELECT * FROM fleet_gateways WHERE id = ?').get(id) as GatewayRow | undefined;
    return r && fromRow(r);
  }

  /** Gateways by site, cell and id; the removed ones only when asked. */
  list(options: { removed?: boolean } = {}): FleetGateway[] {
    const where = options.removed ? '' : 'WHERE removed_at IS NULL';
    return (this.db.prepare(`SELECT * FROM fleet_gateways ${where} ORDER BY site, cell, id`).all() as GatewayRow[]).map(fromRow);
  }

  /** The hub's user list: enrolled, not removed, with their secrets' hashes. */
  credentials(): { id: string; passwordHash: string }[] {
    return (this.db.prepare('SELECT id, secret_hash FROM fleet_gateways WHERE removed_at IS NULL ORDER BY id').all() as { id: string; secret_hash: string }[]).map((r) => ({ id: r.id, passwordHash: r.secret_hash }));
  }

  /**
   * Stores a batch of records from the fleet stream in one transaction; a record already there
   * is left as it is. A new health or policy result also updates its gateway, unless the gateway
   * has already said something newer. Returns how many were new.
   */
  receive(records: Omit<FleetRecord, 'received'>[]): number {
    const now = Date.now() / 1000;
    let added = 0;
    this.db.transaction(() => {
      for (const r of records) {
        const data = JSON.stringify(r.data);
        const isNew = this.insertRecord.run(r.gateway, r.kind, r.localId, r.ts, now, data).changes;
        added += isNew;
        if (!isNew) continue;
        this.heard.run(r.ts, r.gateway);
        const column = r.kind === 'health' ? 'health' : r.kind === 'policy-result' ? 'policy' : undefined;
        if (column) this.said[column].run(data, r.ts, r.gateway, r.ts);
      }
    })();
    return added;
  }

  /** Records of one kind (or all), newest last; `gateway` narrows to one. */
  records(options: { kind?: string; gateway?: string; limit?: number } = {}): FleetRecord[] {
    const filters = [
      ['kind = ?', options.kind],
      ['gateway = ?', options.gateway],
    ].filter((f): f is [string, string] => f[1] !== undefined);
    const where = filters.map((f) => f[0]);
    const params = filters.map((f) => f[1]);
    // In the order they arrived (rowid), which is each gateway's own order.
    const sql = `SELECT * FROM (SELECT rowid AS seq, * FROM fleet_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid DESC LIMIT ?) ORDER BY seq`;
    const rows = this.db.prepare(sql).all(...params, Math.min(options.limit ?? 1000, 100_000)) as { gateway: string; kind: string; local_id: string; ts: number; received: number; data: string }[];
    return rows.map((r) => ({ gateway: r.gateway, kind: r.kind, localId: r.local_id, ts: r.ts, received: r.received, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  /** A gateway's audit chain as the centre holds it, recomputed from its first entry. */
  verifyAudit(gateway: string): AuditVerification {
    const rows = this.db.prepare("SELECT data FROM fleet_records WHERE gateway = ? AND kind = 'audit' ORDER BY CAST(local_id AS INTEGER)").iterate(gateway) as IterableIterator<{ data: string }>;
    function* entries(): Generator<AuditRow> {
      for (const r of rows) {
        const e = JSON.parse(r.data) as AuditEntry;
        yield { ...e, detail: JSON.stringify(e.detail) };
      }
    }
    return verifyChain(entries());
  }

  /** What the gateways learned of one type (asset, conversation), from their discoveries: at most `limit`, by gateway, with how many there are in all. */
  discovered(type: 'asset' | 'conversation', limit: number): { total: number; items: { gateway: string; ts: number; data: Record<string, unknown> }[] } {
    const where = "kind = 'discovery' AND json_extract(data, '$.type') = ?";
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM fleet_records WHERE ${where}`).get(type) as { n: number }).n;
    const rows = this.db.prepare(`SELECT gateway, ts, data FROM fleet_records WHERE ${where} ORDER BY gateway, rowid LIMIT ?`).all(type, limit) as { gateway: string; ts: number; data: string }[];
    return { total, items: rows.map((r) => ({ gateway: r.gateway, ts: r.ts, data: JSON.parse(r.data) as Record<string, unknown> })) };
  }

  /** How many records each gateway has sent of each kind. */
  counts(): { gateway: string; kind: string; count: number }[] {
    return this.db.prepare('SELECT gateway, kind, COUNT(*) AS count FROM fleet_records GROUP BY gateway, kind ORDER BY gateway, kind').all() as { gateway: string; kind: string; count: number }[];
  }

  /** The centre's next package version for a gateway: past every one it was sent. */
  nextPackageVersion(gateway: string): number {
    return (this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS v FROM fleet_packages WHERE gateway = ?').get(gateway) as { v: number }).v;
  }

  recordPackage(gateway: string, version: number, policyVersion: number, by: string): void {
    this.db.prepare('INSERT INTO fleet_packages (gateway, version, policy_version, signed_at, by) VALUES (?, ?, ?, ?, ?)').run(gateway, version, policyVersion, Date.now() / 1000, by);
  }
}
