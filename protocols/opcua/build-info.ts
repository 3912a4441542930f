// A server's build information (OPC 10000-5 BuildInfo, in the binary encoding of 10000-6): who
// made the server software, which product and version it is. Read where a client reads the
// server's ServerStatus (i=2256, whose value is encoded as i=864) or its BuildInfo (i=2260,
// encoded as i=340), as HMIs do once per connection: what advisories are matched against.

import type { Cursor } from '../cursor.js';
import type { PduRecord } from '../operation.js';
import { readString } from './binary.js';

/** Binary encoding ids of ServerStatusDataType and BuildInfo. */
export const SERVER_STATUS_ENCODING = 864;
export const BUILD_INFO_ENCODING = 340;

/** BuildInfo's strings in their order on the wire; its buildDate follows and is not kept. */
const BUILD_INFO_FIELDS = ['ProductUri', 'ManufacturerName', 'ProductName', 'SoftwareVersion', 'BuildNumber'] as const;
/** startTime and currentTime (DateTime), state (an enumeration): ServerStatusDataType's fields before its BuildInfo. */
const SERVER_STATUS_HEAD = 8 + 8 + 4;

/**
 * The BuildInfo in `c` (bounded to an ExtensionObject's body) of encoding `type`, into the
 * record's details as serverProductUri, serverManufacturerName, serverProductName,
 * serverSoftwareVersion and serverBuildNumber (empty strings left out); a body of another type,
 * or one cut short before its build number, gives nothing.
 */
export function readBuildInfo(c: Cursor, type: number, details: NonNullable<PduRecord['details']>): void {
  if (type === SERVER_STATUS_ENCODING) c.skip(SERVER_STATUS_HEAD);
  else if (type !== BUILD_INFO_ENCODING) return;
  const values = BUILD_INFO_FIELDS.map(() => readString(c));
  if (!c.ok) return;
  BUILD_INFO_FIELDS.forEach((f, i) => {
    const v = values[i];
    if (v) details[`server${f}`] = v;
  });
}
