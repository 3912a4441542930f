// Bytes held of messages sent in pieces (OPC UA chunks, BACnet segments) until their last piece
// arrives: nothing they ask for can be known before. Two bounds: what one conversation may hold,
// and what all conversations of one decoder or judge hold together. Past either, the message is
// not held (its channel says so with a `message_too_large` anomaly), so memory never grows with
// what a sender chooses to send.

export class ReassemblyBudget {
  /** Bytes held now by every conversation together. */
  held = 0;
  /** Messages that did not fit, since the start. */
  refused = 0;

  constructor(
    /** Most bytes one conversation may hold at once. */
    readonly perConversation: number,
    /** Most bytes every conversation together may hold. */
    readonly total: number,
  ) {}

  /** Takes `bytes` for a conversation already holding `holding`; false (and counted) past either bound. */
  take(holding: number, bytes: number): boolean {
    if (holding + bytes > this.perConversation || this.held + bytes > this.total) {
      this.refused++;
      return false;
    }
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  /** The bounds in words, for the reason a message was refused. */
  describe(): string {
    return Number.isFinite(this.total) ? `${this.perConversation} bytes a connection, ${this.total} in all` : `${this.perConversation} bytes a connection`;
  }
}
