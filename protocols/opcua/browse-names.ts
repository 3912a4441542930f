// What a server calls its nodes, read from its Browse responses (OPC 10000-4 5.8.2, the
// ReferenceDescription of 10000-6): each reference names the node it leads to with a
// DisplayName and a BrowseName. Explanations then say "ns=2;i=1017 (Setpoint)", not a number.

import type { Cursor } from '../cursor.js';
import type { PduRecord } from '../operation.js';
import { readArrayLength, readExpandedNodeId, readLocalizedText, readNodeId, readString, skipString } from './binary.js';

/** Names kept of one response: a Browse of a large folder lists thousands of references. */
export const BROWSE_NAMES_KEPT = 64;

/**
 * A BrowseResponse's results into the record's details: `browsedNodes` and `browsedNames`, in
 * step, the display name where given, else the browse name; at most BROWSE_NAMES_KEPT, with
 * `browseNamesTruncated` when there were more.
 */
export function readBrowseNames(c: Cursor, details: NonNullable<PduRecord['details']>): void {
  const nodes: string[] = [];
  const names: string[] = [];
  let more = false;
  const results = readArrayLength(c);
  for (let i = 0; i < results && c.ok; i++) {
    c.skip(4); // status code
    skipString(c); // continuation point
    const references = readArrayLength(c);
    for (let j = 0; j < references && c.ok; j++) {
      readNodeId(c); // reference type
      c.skip(1); // is forward
      const node = readExpandedNodeId(c);
      c.skip(2); // browse name's namespace
      const browseName = readString(c);
      const displayName = readLocalizedText(c);
      c.skip(4); // node class
      readExpandedNodeId(c); // type definition
      const name = displayName || browseName;
      if (!c.ok || !name) continue;
      if (nodes.length < BROWSE_NAMES_KEPT) {
        nodes.push(node);
        names.push(name);
      } else more = true;
    }
  }
  if (nodes.length === 0) return;
  details.browsedNodes = nodes;
  details.browsedNames = names;
  if (more) details.browseNamesTruncated = true;
}
