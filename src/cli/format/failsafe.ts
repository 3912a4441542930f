// `bulkhead failsafe`: the state it left the bridge in.

import type { FailState } from '../../gateway/failsafe.js';

export function formatFailState(s: FailState): string {
  const lines = [s.state === 'fail-state' ? `fail state held: ${s.why}` : `plain bridge: ${s.why}`];
  for (const c of s.conduits) lines.push(`  ${c.name}: ${c.failMode === 'closed' ? 'fail-closed, passing nothing' : 'fail-open, forwarded at host and port level without inspection'}`);
  if (s.relay) lines.push(`bypass relay ${s.relay.driver}: ${s.relay.engaged ? 'ENGAGED' : 'released'} (${s.relay.why})`);
  return lines.join('\n');
}
