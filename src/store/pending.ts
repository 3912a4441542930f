// Records held between two writes to the store (stream events while learning, the engine's
// denials), bounded: past the bound they are counted, not kept.

export class Pending<T> {
  private items: T[] = [];
  /** Records not kept since the last `take`. */
  dropped = 0;
  /** Records not kept since the start. */
  droppedInAll = 0;

  constructor(readonly max: number) {}

  push(item: T): void {
    if (this.items.length < this.max) this.items.push(item);
    else {
      this.dropped++;
      this.droppedInAll++;
    }
  }

  /** What is held, handed over; the count of what was not kept starts again. */
  take(): T[] {
    const out = this.items;
    this.items = [];
    this.dropped = 0;
    return out;
  }
}
