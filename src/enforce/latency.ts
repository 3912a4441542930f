// Verdict latency per conduit over a sliding window of the most recent verdicts: p50 and p99,
// compared with the conduit's budget. Fixed-size rings: no allocation per packet.

const WINDOW = 1024;
/** Verdicts needed before a percentile is trusted. */
const MIN_SAMPLES = 50;

export interface LatencyStats {
  samples: number;
  p50Us: number;
  p99Us: number;
}

class Ring {
  readonly values = new Float64Array(WINDOW);
  count = 0;
  next = 0;
  add(v: number): void {
    this.values[this.next] = v;
    this.next = (this.next + 1) % WINDOW;
    if (this.count < WINDOW) this.count++;
  }
}

export class LatencyMonitor {
  private readonly rings = new Map<string, Ring>();

  record(conduitId: string, microseconds: number): void {
    let r = this.rings.get(conduitId);
    if (!r) this.rings.set(conduitId, (r = new Ring()));
    r.add(microseconds);
  }

  stats(conduitId: string): LatencyStats | undefined {
    const r = this.rings.get(conduitId);
    if (!r || r.count < MIN_SAMPLES) return undefined;
    const sorted = r.values.slice(0, r.count).sort();
    return { samples: r.count, p50Us: sorted[Math.floor(r.count / 2)]!, p99Us: sorted[Math.floor(r.count * 0.99)]! };
  }

  /** A conduit starts measuring afresh (after a bypass, its old samples say nothing). */
  reset(conduitId: string): void {
    this.rings.delete(conduitId);
  }
}
