// What a simulation reads of a learned conversation: its ends and, per operation, the kind, the
// codes, the count, when it was last seen and the targets. Stored beside the whole record (the
// `digest` column) because the rest (value profiles, polls, outcomes, response times) is six
// times its size: "what would this policy have blocked?" and the lint in context read every
// conversation, and parsing their whole records was most of their first answer.

import type { ConversationRecordType as Conversation } from './records.js';

type OperationStats = Conversation['operations'][string];
export type OperationDigest = Pick<OperationStats, 'kind' | 'code' | 'codeName' | 'subCode' | 'count' | 'lastSeen' | 'targets' | 'targetsTruncated'>;
export type ConversationDigest = Pick<Conversation, 'key' | 'protocol' | 'client' | 'server'> & { operations: Record<string, OperationDigest> };

/** What learning writes of a conversation (its operations absent in the store's own tests). */
export interface DigestSource {
  key: string;
  protocol: string;
  client: { ip: string };
  server: { ip: string; port: number };
  operations?: Record<string, OperationDigest>;
}

/** The digest of a conversation, as its JSON will be stored. */
export function conversationDigest(c: DigestSource): object {
  const operations: Record<string, OperationDigest> = {};
  for (const k in c.operations) {
    const s = c.operations[k]!;
    const d: OperationDigest = { kind: s.kind, code: s.code, codeName: s.codeName, count: s.count, lastSeen: s.lastSeen, targets: s.targets };
    if (s.subCode !== undefined) d.subCode = s.subCode;
    if (s.targetsTruncated) d.targetsTruncated = true;
    operations[k] = d;
  }
  return { key: c.key, protocol: c.protocol, client: c.client, server: c.server, operations };
}
