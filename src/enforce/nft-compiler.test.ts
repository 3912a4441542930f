// A deny of some operations only (a virtual patch) must never become a kernel drop of its hosts
// and port: the inspector refuses the operation and the rest of the conversation passes.

import { describe, expect, it } from 'vitest';
import type { Policy } from '../policy/model.js';
import { compileNft } from './nft-compiler.js';
import { queueRules } from './queue-rules.js';

function plant(withAllow: boolean): Policy {
  return {
    bulkheadPolicy: 1,
    name: 'patched',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: ['10.0.0.5'] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: ['10.0.1.10'] },
    ],
    conduits: [
      {
        id: 'control--supervisory',
        name: 'Control - Supervisory',
        zones: ['control', 'supervisory'],
        rules: [
          { id: 'vp-umas', action: 'deny', protocol: 'modbus', port: 502, client: { zone: 'supervisory' }, server: { zone: 'control', hosts: ['10.0.0.5'] }, ...(withAllow ? { allow: [{ codes: [90] }] } : {}) },
          { id: 'hmi-reads', protocol: 'modbus', port: 502, client: { hosts: ['10.0.1.10'] }, server: { hosts: ['10.0.0.5'] } },
        ],
      },
    ],
  };
}

describe('operation-scoped deny rules', () => {
  it('are left to the inspector: no kernel drop, and the inspection chain queues their hosts', () => {
    const p = plant(true);
    const nft = compileNft(p, { mode: 'enforce' });
    expect(nft.script).not.toMatch(/bulkhead deny vp-umas/);
    expect(nft.needsInspection).toContain('vp-umas');
    const q = queueRules(p, { first: 3, count: 1 }, () => true);
    expect(q.inspected).toContain('vp-umas');
    expect(q.input).toMatch(/-s 10\.0\.1\.10 -d 10\.0\.0\.5 --dport 502 -m comment --comment vp-umas -j NFQUEUE --queue-num 3 --queue-bypass/);
  });

  it('are queued by the table itself where the kernel has the queue expression', () => {
    const nft = compileNft(plant(true), { mode: 'enforce', queue: { num: 3, rules: new Map([['vp-umas', false]]) } });
    expect(nft.script).toMatch(/tcp dport 502 counter queue num 3 comment "vp-umas"/);
  });

  it('spread over several queues, balanced by the kernel per host pair, in both steerings', () => {
    const p = plant(true);
    expect(queueRules(p, { first: 4, count: 3 }, () => false).input).toMatch(/--comment vp-umas -j NFQUEUE --queue-balance 4:6\n/);
    const nft = compileNft(p, { mode: 'enforce', queue: { num: 4, count: 3, rules: new Map([['vp-umas', true]]) } });
    expect(nft.script).toMatch(/tcp dport 502 counter queue num 4-6 bypass comment "vp-umas"/);
  });

  it('one the inspector never sees (to a broadcast) stays a kernel drop: it refuses more, never less', () => {
    const p = plant(true);
    p.conduits[0]!.rules[0] = { ...p.conduits[0]!.rules[0]!, protocol: 'bacnet', port: 47808, server: { broadcast: true } };
    expect(compileNft(p, { mode: 'enforce' }).script).toMatch(/bulkhead deny vp-umas/);
  });

  it('a deny of every operation stays a kernel drop', () => {
    const nft = compileNft(plant(false), { mode: 'enforce' });
    expect(nft.script).toMatch(/tcp dport 502 counter log group 1 prefix "bulkhead deny vp-umas" drop comment "vp-umas"/);
    expect(queueRules(plant(false), { first: 3, count: 1 }, () => true).inspected).not.toContain('vp-umas');
  });
});
