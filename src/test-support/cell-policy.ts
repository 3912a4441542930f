// Test support shared by unit tests and the testbench: the smallest cell worth enforcing.

import type { Policy } from '../policy/model.js';

/** The inline tests' cell: an HMI that may read holding registers 0-9 of a PLC, and nothing else. */
export function cellPolicy(hmi: string, plc: string, failMode: 'open' | 'closed' = 'open'): Policy {
  return {
    bulkheadPolicy: 1,
    name: 'cell',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: [plc] },
      { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: [hmi] },
    ],
    conduits: [
      {
        id: 'sup-ctl',
        name: 'Supervisory-Control',
        zones: ['control', 'supervisory'],
        failMode,
        rules: [{ id: 'hmi-reads', protocol: 'modbus', port: 502, client: { hosts: [hmi] }, server: { hosts: [plc] }, allow: [{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 9]] }] }] }],
      },
    ],
  };
}
