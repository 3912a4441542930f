// The EtherTypes learning saw besides IP (ARP, LLDP, PROFINET, GOOSE, 802.3 frames...): frames,
// first and last seen, and the VLANs they came on. Derivation lists them in the policy as the
// EtherTypes that pass; the engineer sees them in the learning report. Bounded: past
// MAX_ETHER_TYPES distinct types the rest are counted as `truncated`.

import { ETHER_TYPE_MIN } from '../../protocols/net/ether-types.js';

export const MAX_ETHER_TYPES = 64;
const MAX_VLANS_PER_TYPE = 16;

export interface EtherTypeSighting {
  /** The EtherType, or 0 for every 802.3 (length-field) frame. */
  etherType: number;
  frames: number;
  firstSeen: number;
  lastSeen: number;
  /** VLAN ids it was tagged with (absent: untagged only). */
  vlans?: number[];
}

export interface EtherCensusState {
  types: EtherTypeSighting[];
  /** Frames of types beyond the bound. */
  truncated?: number;
}

export class EtherCensus {
  private readonly types = new Map<number, EtherTypeSighting>();
  private truncated = 0;

  constructor(from?: EtherCensusState) {
    for (const t of from?.types ?? []) this.types.set(t.etherType, { ...t });
    this.truncated = from?.truncated ?? 0;
  }

  /** One non-IP frame of `type` (an 802.3 length counts as 0), on `vlan` (-1: untagged), at `ts`. */
  note(type: number, vlan: number, ts: number): void {
    const key = type < ETHER_TYPE_MIN ? 0 : type;
    let t = this.types.get(key);
    if (!t) {
      if (this.types.size >= MAX_ETHER_TYPES) {
        this.truncated++;
        return;
      }
      this.types.set(key, (t = { etherType: key, frames: 0, firstSeen: ts, lastSeen: ts }));
    }
    t.frames++;
    t.lastSeen = ts;
    if (vlan >= 0 && !t.vlans?.includes(vlan) && (t.vlans?.length ?? 0) < MAX_VLANS_PER_TYPE) (t.vlans ??= []).push(vlan);
  }

  state(): EtherCensusState {
    const s: EtherCensusState = { types: [...this.types.values()].sort((a, b) => a.etherType - b.etherType) };
    if (this.truncated) s.truncated = this.truncated;
    return s;
  }
}
