// Simulation reads each learned conversation's digest (store/conversation-digest.ts) instead of
// its whole record: on the shared captures, learned for real into SQLite, what a policy would
// have allowed and denied is the same either way, and the same for conversations stored before
// the digest existed (read whole). The writer thread's digests: store/learn-writer.test.ts.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { derivePolicy } from '../policy/derive.js';
import type { Policy } from '../policy/model.js';
import { openDatabase } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { learnPcaps } from './learn.js';
import { simulateBaseline } from './policy.js';

const PCAPS = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const CAPTURES = ['modbus/modbus_example.pcap', 'modbus/modbus-eit.pcap', 'bacnet/bacnet_example.pcap', 'opcua/open62541_client-server_mainloop.pcap'].map((f) => join(PCAPS, f));
const missing = CAPTURES.filter((f) => !existsSync(f));

describe('simulation from conversation digests', () => {
  it.skipIf(missing.length > 0)(`gives the same report as the whole records${missing.length ? ` (SKIPPED: no shared captures at ${PCAPS})` : ''}`, async () => {
    const learn = new LearnStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-digest-')), 'b.db')));
    await learnPcaps(learn, CAPTURES);
    const whole = learn.conversations();
    expect(whole.length).toBeGreaterThan(5);
    // A digest keeps no value profile, poll or outcome.
    const digests = learn.digests();
    expect(digests.map((d) => d.key)).toEqual(whole.map((c) => c.key));
    expect(JSON.stringify(digests)).not.toMatch(/"values"|"polls"|"outcomes"/);
    const derived = derivePolicy(learn.assets(), whole, { securityLevel: 3 });
    // Every conversation's first rule gone: some requests are denied, some allowed.
    const strict: Policy = { ...derived, conduits: derived.conduits.map((c) => ({ ...c, rules: c.rules.filter((_, i) => i % 2 === 1) })) };
    const lastSeen = Math.max(...whole.map((c) => c.lastSeen));
    for (const [policy, since] of [[derived, 0], [strict, 0], [strict, lastSeen - 1]] as const) {
      const want = simulateBaseline(policy, whole, since);
      expect(want.evaluated).toBeGreaterThan(0);
      expect(simulateBaseline(policy, digests, since)).toEqual(want);
    }
    expect(simulateBaseline(strict, digests).denied).toBeGreaterThan(0);
    // Conversations stored before the digest existed are read whole.
    learn.db.exec('UPDATE conversations SET digest = NULL');
    expect(simulateBaseline(strict, learn.digests())).toEqual(simulateBaseline(strict, whole));
  });
});
