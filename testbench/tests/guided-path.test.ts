// The guided path on a real store, walked from an empty database to enforcement: each step is
// read from what the store says, the current one is the first not done, and it says what to do.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guidedPath } from '../../src/app/guided-path.js';
import { learnPcaps } from '../../src/app/learn.js';
import { derive } from '../../src/app/policy.js';
import { openDatabase } from '../../src/store/database.js';
import { EventStore } from '../../src/store/event-store.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { PolicyStore } from '../../src/store/policy-store.js';

const CAPTURE = join(import.meta.dirname, '..', 'fixtures', 'demo', 'modbus_example.pcap');

function states(db: Parameters<typeof guidedPath>[0]) {
  const path = guidedPath(db);
  const current = path.steps.filter((s) => s.state === 'current');
  // One current step at most; every step before it done, every one after it not yet.
  expect(current.length).toBeLessThanOrEqual(1);
  const at = path.steps.findIndex((s) => s.state === 'current');
  if (at >= 0) {
    expect(path.steps.slice(0, at).every((s) => s.state === 'done')).toBe(true);
    expect(path.steps.slice(at + 1).every((s) => s.state === 'later')).toBe(true);
    expect(current[0]!.next).toBeTruthy();
  }
  return { path, current: current[0] };
}

describe('the guided path to enforcement', () => {
  it('goes from learning to enforcing as the store changes, each current step saying what to do', async () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-guide-')), 'b.db'));
    const policies = new PolicyStore(db);
    const learn = new LearnStore(db);

    let s = states(db);
    expect(s.current).toMatchObject({ id: 'learn', status: 'nothing learned yet', next: expect.stringMatching(/bulkhead learn --interface/) });

    await learnPcaps(learn, [CAPTURE]);
    s = states(db);
    expect(s.current).toMatchObject({ id: 'learn', next: expect.stringMatching(/Keep learning/) });
    expect(s.current!.status).toMatch(/^\d+ assets?, \d+ conversations? in .* of traffic; new behaviour/);

    const { version } = derive(learn, policies, { name: 'cell' }, 'alice');
    s = states(db);
    expect(s.path.steps[0]).toMatchObject({ id: 'learn', state: 'done', status: expect.stringMatching(/not converged yet/) });
    expect(['review', 'simulate', 'approve']).toContain(s.current!.id);
    expect(s.path.steps.find((x) => x.id === 'simulate')!.status).toMatch(/over the last 3 days it would have allowed [\d,]+ requests? and refused 0/);

    policies.approve(version, 'alice');
    s = states(db);
    expect(s.path.steps.find((x) => x.id === 'approve')).toMatchObject({ state: 'done', status: `version ${version} approved by alice` });
    expect(s.current).toMatchObject({ id: 'monitor', status: 'no policy in force', next: expect.stringMatching(/learn mode/) });

    policies.setMode('learn', 'alice');
    policies.apply(version, 'alice');
    const events = new EventStore(db);
    events.append([0, 1, 2].map(() => ({ ts: Date.now() / 1000, kind: 'would-deny' as const, data: { reason: 'denied: a test request' } })));
    s = states(db);
    expect(s.current).toMatchObject({ id: 'monitor', status: expect.stringMatching(/in learn mode for 0 h; would-deny events per day since it was applied: 3$/) });
    expect(s.path.wouldDenyPerDay).toEqual([3]);

    policies.setMode('enforce', 'alice');
    s = states(db);
    expect(s.path.steps.find((x) => x.id === 'monitor')!.state).toBe('done');
    // No engine runs in a test: enforcing is what is left, and the step says why.
    expect(s.current).toMatchObject({ id: 'enforce', status: expect.stringMatching(/no engine running/) });

    const v2 = policies.add(policies.get(version).document, 'cell', 'test', 'alice');
    policies.approve(v2, 'alice');
    policies.apply(v2, 'alice', 600);
    s = states(db);
    expect(s.current).toMatchObject({ id: 'enforce', status: expect.stringMatching(new RegExp(`^version ${v2} applied, \\d+ s left to confirm$`)), next: expect.stringMatching(/Confirm/) });
    db.close();
  });
});
