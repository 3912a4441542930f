import { describe, expect, it } from 'vitest';
import type { Policy } from '../policy/model.js';
import { LinkWatch, REPORT_AGAIN_MS } from './link-watch.js';
import type { AsyncNftRunner } from './nft-apply.js';
import { SIGHTINGS } from './nft-link.js';

const policy: Policy = {
  bulkheadPolicy: 1,
  name: 'p',
  defaultAction: 'deny',
  zones: [{ id: 'control', name: 'Control', securityLevel: 3, members: ['10.0.0.11'], vlans: [10] }],
  conduits: [],
  link: { etherTypes: ['arp', 'lldp'], bindings: [{ ip: '10.0.0.11', mac: '02:00:00:00:00:11', name: 'PLC-1' }] },
};

/** nft -j's answer for each sighting set, as the kernel lists them. */
function runner(sets: Record<string, unknown[]>): AsyncNftRunner {
  return async (args) => {
    const set = args[5]!;
    if (!(set in sets)) return { status: 1, stdout: '', stderr: 'No such file or directory' };
    return { status: 0, stdout: JSON.stringify({ nftables: [{ metainfo: {} }, { set: { name: set, elem: sets[set]!.map((val) => ({ elem: { val, expires: 3599 } })) } }] }), stderr: '' };
  };
}

describe('the link watch', () => {
  it('reports each layer-2 sighting once, in the plant\'s words', async () => {
    const sets = { spoofed_v4: [{ concat: ['02:00:00:00:00:66', '10.0.0.11'] }], unknown_vlans: [20], refused_ether_types: [34962, '8021ad'] };
    const w = new LinkWatch(policy, 'bulkhead', Object.values(SIGHTINGS), runner(sets));
    const events = await w.poll('enforce', 1000);
    expect(events.map((e) => [e.action, e.reasonCode])).toEqual([
      ['deny', 'address_spoofing'],
      ['deny', 'unknown_vlan'],
      ['deny', 'ether_type'],
      ['deny', 'ether_type'],
    ]);
    expect(events[0]).toMatchObject({ client: '02:00:00:00:00:66', server: '10.0.0.11' });
    expect(events[0]!.reason).toMatch(/^denied: 02:00:00:00:00:66 claims PLC-1 \(10\.0\.0\.11\), which the policy binds to 02:00:00:00:00:11/);
    expect(events[1]!.reason).toBe('denied: frames tagged VLAN 20, which no zone of the policy lives on (Control: VLAN 10)');
    expect(events[2]!.reason).toMatch(/^denied: PROFINET \(0x8892\) frames are not in the policy's list of EtherTypes that pass \(link.etherTypes: arp, lldp\)/);
    expect(events[3]!.reason).toMatch(/double-tagged frames \(outer tag 0x88a8/);
    // Still in the sets: not again, until a while has passed.
    expect(await w.poll('enforce', 2000)).toEqual([]);
    expect((await w.poll('learn', 1000 + REPORT_AGAIN_MS)).map((e) => e.action)).toEqual(['would-deny', 'would-deny', 'would-deny', 'would-deny']);
  });

  it('never runs nft for a table without sighting sets, nor twice at once', async () => {
    let calls = 0;
    const counting: AsyncNftRunner = async (args) => (calls++, runner({ unknown_vlans: [30] })(args));
    expect(await new LinkWatch(policy, 'bulkhead', [], counting).poll('enforce')).toEqual([]);
    expect(calls).toBe(0);
    const w = new LinkWatch(policy, 'bulkhead', [SIGHTINGS.vlans], counting);
    const [first, second] = await Promise.all([w.poll('enforce'), w.poll('enforce')]);
    expect([first.length, second.length, calls]).toEqual([1, 0, 1]);
  });
});
