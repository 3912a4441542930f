// A seeded pseudo-random generator (xorshift32) for what must reproduce from its seed: fuzzing
// inputs, the evaluation's plants. Never Math.random.

export class Rng {
  constructor(private s: number) {
    if (this.s === 0) this.s = 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
  /** A number in [0, 1). */
  unit(): number {
    return this.next() / 0x1_0000_0000;
  }
  /** A number in [a, b). */
  between(a: number, b: number): number {
    return a + (b - a) * this.unit();
  }
}
