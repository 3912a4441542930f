// The asset inventory and the conversation baseline as the console pages them, with identities
// in the plant's words, one asset with its timeline, one conversation, and the protocols this
// gateway decodes.

import { PROTOCOLS, identityWords } from '../../protocols/registry.js';
import { BulkheadError } from '../errors.js';
import type { Db } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import type { AssetRecordType as Asset, ConversationRecordType as Conversation } from '../store/records.js';
import type { AssetTimeline, ShownAsset, ShownConversation } from './schemas.js';
import type { TargetNames } from '../../protocols/protocol.js';
import { learnedTargetNames } from '../learn/target-names.js';
import { keyWords, operationStatsWords } from '../learn/target-words.js';
import { MAX_TIMELINE, Timelines } from './timeline.js';

export type AssetQuery = Parameters<LearnStore['assetsPage']>[0];
export type ConversationQuery = Parameters<LearnStore['conversationsPage']>[0];

/** An asset with its identity as each protocol says it (the page names no protocol). */
const shown = (a: Asset): ShownAsset => ({ ...a, identityText: identityWords(a).join('; ') });

/** A conversation with its operations in words (the page names no protocol and reads no code table). */
function shownConversation(c: Conversation, names: TargetNames): ShownConversation {
  const operationWords: Record<string, string> = {};
  const keyWordsOf: Record<string, string> = {};
  for (const [key, s] of Object.entries(c.operations)) {
    operationWords[key] = operationStatsWords(c.protocol, s, names);
    for (const k of [...Object.keys(s.values ?? {}), ...s.polls.map((p) => p.signature)]) keyWordsOf[k] ??= keyWords(k, names);
  }
  return { ...c, operationWords, keyWords: keyWordsOf };
}

export class Inventory {
  /** The most entries one timeline request may ask for. */
  static readonly MAX_TIMELINE = MAX_TIMELINE;
  private readonly learn: LearnStore;
  private readonly timelines: Timelines;

  constructor(db: Db) {
    this.learn = new LearnStore(db);
    this.timelines = new Timelines(db);
  }

  /** A page of assets. */
  assets(q: AssetQuery) {
    const page = this.learn.assetsPage(q);
    return { ...page, items: page.items.map(shown) };
  }

  /** One asset (its key: the address, "@vlanN" when tagged) and the newest `limit` entries of its story. */
  timeline(key: string, limit: number): AssetTimeline {
    const a = this.learn.asset(key);
    if (!a) throw new BulkheadError('BH_NOT_FOUND', `no asset '${key}' in the inventory (an address, with @vlanN when tagged)`);
    return { asset: shown(a), ...this.timelines.of(a, limit) };
  }

  conversations(q: ConversationQuery): { total: number; items: ShownConversation[] } {
    const page = this.learn.conversationsPage(q);
    const names = learnedTargetNames(this.learn);
    return { total: page.total, items: page.items.map((c) => shownConversation(c, names)) };
  }

  conversation(key: string): ShownConversation {
    const c = this.learn.conversation(key);
    if (!c) throw new BulkheadError('BH_NOT_FOUND', `no conversation '${key}' in the baseline (client>server:port/protocol)`);
    return shownConversation(c, learnedTargetNames(this.learn));
  }

  /** Names, transports, ports and the roles hosts play in each protocol. */
  protocols() {
    return PROTOCOLS.map((m) => ({ name: m.name, title: m.title, transport: m.transport, ports: [...m.ports], defaultPort: m.defaultPort, roles: [m.clientRole, m.serverRole] }));
  }

  /** The protocol names a query may filter by. */
  static protocolNames(): string[] {
    return PROTOCOLS.map((m) => m.name);
  }
}
