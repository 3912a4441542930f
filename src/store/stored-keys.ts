// Which conversation keys the database may hold, so that a conversation new to the plant is not
// looked for there (one SQLite read per new conversation, 4% of learning where conversations keep
// appearing). A set of the keys' 32-bit hashes in one typed array, open addressing: a hash found
// may be another key's (the database is asked, as before); a hash not found means never stored.
// Bounded: past MAX_LOAD of its slots the filter answers "maybe" to every key.

/** Slots: four bytes each; a plant at the default limit of 200,000 conversations fills 38% of them. */
export const STORED_KEY_SLOTS = 1 << 19;
const MAX_LOAD = 0.75;

/** FNV-1a over the key's UTF-16 units; never 0 (an empty slot). */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h === 0 ? 1 : h;
}

export class StoredKeys {
  private readonly slots = new Int32Array(STORED_KEY_SLOTS);
  private used = 0;
  private full = false;

  add(key: string): void {
    if (this.full) return;
    const h = hashOf(key);
    const i = this.find(h);
    if (this.slots[i] === h) return;
    this.slots[i] = h;
    if (++this.used > STORED_KEY_SLOTS * MAX_LOAD) this.full = true;
  }

  /** False only for a key never added. */
  mayHave(key: string): boolean {
    if (this.full) return true;
    const h = hashOf(key);
    return this.slots[this.find(h)] === h;
  }

  /** The slot holding `h`, or the empty one where it would go. */
  private find(h: number): number {
    const mask = STORED_KEY_SLOTS - 1;
    let i = h & mask;
    while (this.slots[i] !== 0 && this.slots[i] !== h) i = (i + 1) & mask;
    return i;
  }
}
