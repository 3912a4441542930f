// Numbered schema migrations. The database's user_version is the number of migrations applied;
// a migration is never edited once released, only followed by a new one.

import { assetSearchSql } from './asset-search.js';

export const MIGRATIONS: readonly string[] = [
  // 1: learning: inventory, baseline, discoveries, stream events, capture sources, settings.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE assets (
    key TEXT PRIMARY KEY,
    ip TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    data TEXT NOT NULL
  ) STRICT;
  CREATE TABLE conversations (
    key TEXT PRIMARY KEY,
    protocol TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    server_ip TEXT NOT NULL,
    server_port INTEGER NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    data TEXT NOT NULL
  ) STRICT;
  CREATE INDEX conversations_client ON conversations (client_ip);
  CREATE INDEX conversations_server ON conversations (server_ip);
  CREATE TABLE discoveries (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
  ) STRICT;
  CREATE INDEX discoveries_ts ON discoveries (ts);
  CREATE TABLE stream_events (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    type TEXT NOT NULL,
    flow TEXT NOT NULL,
    protocol TEXT,
    detail TEXT NOT NULL
  ) STRICT;
  CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER,
    packets_done INTEGER NOT NULL,
    finished INTEGER NOT NULL,
    updated_at REAL NOT NULL
  ) STRICT;
  `,
  // 2: policy versions: the document as written (comments kept), its status and approvals.
  `
  CREATE TABLE policy_versions (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'active', 'retired')),
    document TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL,
    approved_by TEXT,
    approved_at REAL,
    second_approver TEXT,
    second_approved_at REAL
  ) STRICT;
  `,
  // 3: policy changes applied to the gateway: apply (with a confirmation deadline), confirm, rollback.
  `
  CREATE TABLE policy_changes (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('apply', 'confirm', 'rollback')),
    version INTEGER NOT NULL REFERENCES policy_versions (version),
    previous INTEGER REFERENCES policy_versions (version),
    deadline REAL,
    by TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
  ) STRICT;
  `,
  // 4: island mode: assets and zones cut off at the boundary, until released.
  `
  CREATE TABLE isolations (
    target TEXT PRIMARY KEY,
    addresses TEXT NOT NULL,
    since REAL NOT NULL,
    by TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
  ) STRICT;
  `,
  // 5: the audit log: every change by a person or by the gateway itself, hash-chained (each entry
  // commits to the one before it) so that an edited, removed or inserted entry is detected.
  `
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  `,
  // 6: the console: local accounts (scrypt hashes, lockout), sessions, and the gateway's events
  // (denials, alerts) kept for people to read, bounded.
  `
  CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'engineer', 'admin')),
    password TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    created_by TEXT NOT NULL
  ) STRICT;
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
  ) STRICT;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
  ) STRICT;
  `,
  // 7: the console pages through the baseline in this order (without the index every page sorts
  // it all), and operators acknowledge events.
  `
  CREATE INDEX conversations_order ON conversations (client_ip, server_ip, server_port, protocol);
  CREATE INDEX assets_last_seen ON assets (last_seen);
  ALTER TABLE events ADD COLUMN acked_by TEXT;
  ALTER TABLE events ADD COLUMN acked_at REAL;
  `,
  // 8: alerts from the detectors, one row per incident (type and subject), updated as it repeats.
  `
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    data TEXT NOT NULL
  ) STRICT;
  CREATE INDEX alerts_last_seen ON alerts (last_seen);
  `,
  // 9: every change of an alert (a repeat, a status change) takes the next number of a counter that
  // never goes back (removing old alerts does not lower it), so SIEM forwarding resumes from one.
  `
  ALTER TABLE alerts ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
  UPDATE alerts SET seq = id;
  INSERT INTO meta (key, value) SELECT 'alerts.seq', COALESCE(MAX(id), 0) FROM alerts;
  CREATE INDEX alerts_seq ON alerts (seq);
  `,
  // 10: an asset's timeline gathers what concerns one address: the discoveries of it and its
  // conversations, the alerts about it, its conversations or a request it sent or received, and
  // the isolations in the audit log, each an index lookup. The events get none: indexing their ends would slow the engine's
  // once-a-second write of a flood of denials 4-fold (event-store.ts `involving` says why).
  `
  CREATE INDEX discoveries_subject ON discoveries (subject, ts);
  CREATE INDEX alerts_asset ON alerts (json_extract(data, '$.asset'));
  CREATE INDEX alerts_conversation ON alerts (json_extract(data, '$.conversation'));
  CREATE INDEX alerts_client ON alerts (json_extract(data, '$.operation.client.ip'));
  CREATE INDEX alerts_server ON alerts (json_extract(data, '$.operation.server.ip'));
  CREATE INDEX audit_log_action ON audit_log (action);
  `,
  // 11: vulnerability advisories (CSAF, flattened: store/records.ts AdvisoryRecord) with the CVEs
  // each names, CISA's Known Exploited Vulnerabilities catalogue (replaced whole; its version in
  // meta 'risk.kev'), the imports that brought them, and people's word on assets: an advisory
  // matched to one confirmed or dismissed, and how critical each asset is.
  `
  CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    current_release TEXT NOT NULL,
    version TEXT NOT NULL,
    products INTEGER NOT NULL,
    data TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at REAL NOT NULL
  ) STRICT;
  CREATE INDEX advisories_release ON advisories (current_release);
  CREATE TABLE advisory_cves (cve TEXT NOT NULL, advisory TEXT NOT NULL, PRIMARY KEY (cve, advisory)) STRICT, WITHOUT ROWID;
  CREATE INDEX advisory_cves_advisory ON advisory_cves (advisory);
  CREATE TABLE kev (cve TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;
  CREATE TABLE advisory_imports (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    source TEXT NOT NULL,
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    kev_entries INTEGER
  ) STRICT;
  CREATE TABLE match_decisions (
    asset_key TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed')),
    by TEXT NOT NULL,
    at REAL NOT NULL,
    reason TEXT,
    PRIMARY KEY (asset_key, advisory_id)
  ) STRICT;
  CREATE TABLE criticalities (
    asset_key TEXT PRIMARY KEY,
    criticality INTEGER NOT NULL CHECK (criticality BETWEEN 1 AND 5),
    by TEXT NOT NULL,
    at REAL NOT NULL,
    reason TEXT
  ) STRICT;
  `,
  // 12: a policy version's checked form as JSON beside its document, so that loading a version
  // needs no YAML parse (a derived 100,000-rule document takes seconds). A cache: the document
  // stays what is on record. Rows stored before are filled on their first load (policy/stored.ts),
  // not here: SQL has no YAML parser, and parsing every old version would hold up start-up by
  // seconds a version. A later change to what a document means must empty this column again.
  `
  ALTER TABLE policy_versions ADD COLUMN parsed TEXT;
  `,
  // 13: a policy version's outline as JSON: the checked form with each conduit's rules cut to
  // what the console's policy view shows, and each conduit's full ruleCount, so that view needs
  // neither the whole form (tens of MB for 100,000 rules) nor the document. A cache like `parsed`:
  // rows stored before are filled on their first view (policy/stored.ts), and a later change to
  // what a document means, or to how many rules the view shows, must empty this column again.
  `
  ALTER TABLE policy_versions ADD COLUMN outline TEXT;
  `,
  // 14: the central site's read model of its fleet: enrolled gateways (site, cell, rollout group,
  // the bcrypt hash of each one's secret, what it last said of itself), the records they send up
  // (events, alerts, audit entries, policy results), each kept once by its id in the gateway's
  // own store, and the signed packages put in each gateway's bucket.
  `
  CREATE TABLE fleet_gateways (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    cell TEXT NOT NULL,
    rollout_group TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    enrolled_at REAL NOT NULL,
    enrolled_by TEXT NOT NULL,
    removed_at REAL,
    last_heard REAL,
    health TEXT,
    policy TEXT
  ) STRICT;
  CREATE TABLE fleet_records (
    gateway TEXT NOT NULL,
    kind TEXT NOT NULL,
    local_id TEXT NOT NULL,
    ts REAL NOT NULL,
    received REAL NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (gateway, kind, local_id)
  ) STRICT;
  CREATE INDEX fleet_records_received ON fleet_records (received);
  CREATE TABLE fleet_packages (
    gateway TEXT NOT NULL,
    version INTEGER NOT NULL,
    policy_version INTEGER NOT NULL,
    signed_at REAL NOT NULL,
    by TEXT NOT NULL,
    PRIMARY KEY (gateway, version)
  ) STRICT;
  `,
  // 15: when the health and policy result a gateway last said of itself were made, so a record
  // delivered late (a cell's backlog after its link returned) does not overwrite a newer one.
  `
  ALTER TABLE fleet_gateways ADD COLUMN health_ts REAL;
  ALTER TABLE fleet_gateways ADD COLUMN policy_ts REAL;
  `,
  // 16: a version's texts (document, checked form, outline: tens of MB for a 100,000-rule policy)
  // apart from its record: reading a version's status or approvals walked the whole document's
  // overflow pages (17 ms a version to list them), and an approval rewrote it all.
  `
  CREATE TABLE policy_texts (
    version INTEGER PRIMARY KEY REFERENCES policy_versions (version),
    document TEXT NOT NULL,
    parsed TEXT,
    outline TEXT
  ) STRICT;
  INSERT INTO policy_texts (version, document, parsed, outline) SELECT version, document, parsed, outline FROM policy_versions;
  ALTER TABLE policy_versions DROP COLUMN document;
  ALTER TABLE policy_versions DROP COLUMN parsed;
  ALTER TABLE policy_versions DROP COLUMN outline;
  `,
  // 17: the inventory's pages and the learning page by index at 50,000 assets: the address order
  // (no index before: a deep page sorted every asset), last seen with the address as tiebreak, the
  // roles and the Purdue level each with the address (a filter and its order in one covering
  // index), and discoveries by hour and type (the learning curve grouped every discovery).
  `
  CREATE INDEX assets_ip ON assets (ip);
  DROP INDEX assets_last_seen;
  CREATE INDEX assets_last_seen_ip ON assets (last_seen, ip);
  CREATE INDEX assets_roles_ip ON assets (json_extract(data, '$.roles'), ip);
  CREATE INDEX assets_purdue_ip ON assets (json_extract(data, '$.purdue.level'), ip);
  CREATE INDEX discoveries_hour ON discoveries (CAST(ts / 3600 AS INTEGER) * 3600, type);
  `,
  // 18: the process learning into the database (learning-claim.ts): one learner at a time.
  `
  CREATE TABLE learning_claim (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    since REAL NOT NULL,
    command TEXT NOT NULL
  ) STRICT;
  `,
  // 19: what simulation reads of each conversation (conversation-digest.ts), beside the whole
  // record; NULL for conversations not written since (simulation reads those whole).
  `
  ALTER TABLE conversations ADD COLUMN digest TEXT;
  `,
  // 20: what the inventory's search matches of each asset (asset-search.ts), with the address
  // order in one covering index (which also serves the address order alone); made now for the
  // assets already stored.
  `
  ALTER TABLE assets ADD COLUMN search TEXT;
  UPDATE assets SET search = ${assetSearchSql('data')};
  CREATE INDEX assets_ip_search ON assets (ip, search);
  DROP INDEX assets_ip;
  `,
];
