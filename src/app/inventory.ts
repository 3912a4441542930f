// The asset inventory and the conversation baseline as the console pages them, with identities
// in the plant's words, and the protocols this gateway decodes.

import { describeIdentity, PROTOCOLS } from '../../protocols/registry.js';
import type { Db } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';

export type AssetQuery = Parameters<LearnStore['assetsPage']>[0];
export type ConversationQuery = Parameters<LearnStore['conversationsPage']>[0];

export class Inventory {
  private readonly learn: LearnStore;

  constructor(db: Db) {
    this.learn = new LearnStore(db);
  }

  /** A page of assets; each with its identity as each protocol says it (the page names no protocol). */
  assets(q: AssetQuery) {
    const page = this.learn.assetsPage(q);
    return { ...page, items: page.items.map((a) => ({ ...a, identityText: describeIdentity(a.identity as Record<string, Record<string, unknown>>).join('; ') })) };
  }

  conversations(q: ConversationQuery) {
    return this.learn.conversationsPage(q);
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
