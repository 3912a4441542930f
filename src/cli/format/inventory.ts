// `bulkhead assets` and `bulkhead conversations`: the learned inventory and baseline as tables.

import { identityWords } from '../../../protocols/registry.js';
import type { Protocol } from '../../../protocols/operation.js';
import type { TargetNames } from '../../../protocols/protocol.js';
import type { Asset, Conversation, OperationStats } from '../../learn/model.js';
import { mainPoll } from '../../learn/operation-stats.js';
import { operationStatsWords } from '../../learn/target-words.js';
import { formatDuration, formatTable, formatTime } from './table.js';

/** The asset's identities in each protocol module's words (as the console shows them). */
function identityOf(a: Asset): string {
  return identityWords(a).join('; ') || '-';
}

export function formatAssets(assets: Asset[]): string {
  if (assets.length === 0) return 'no assets learned yet';
  const rows = assets.map((a) => {
    const mac = a.macs[0];
    return [
      a.key,
      mac ? `${mac.mac}${a.macs.length > 1 ? ` +${a.macs.length - 1}` : ''}` : '-',
      a.behindRouter ? '(behind a router)' : (mac?.vendor ?? '-'),
      a.roles.join(',') || '-',
      identityOf(a),
      a.purdue ? `L${a.purdue.level}: ${a.purdue.reason}` : '-',
      formatTime(a.lastSeen),
    ];
  });
  return formatTable(['address', 'mac', 'vendor', 'roles', 'identity', 'purdue guess', 'last seen'], rows);
}

/** One line per operation: what, how often, on what, with which outcomes, at which period. */
export function describeOperation(protocol: Protocol, o: OperationStats, names?: TargetNames): string {
  const poll = mainPoll(o);
  const outcomes = Object.entries(o.outcomes)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `${o.kind}: ${operationStatsWords(protocol, o, names)} x${o.count}`,
    poll ? `every ${formatDuration(poll.interval)} ±${formatDuration(poll.jitter)}` : '',
    outcomes ? `[${outcomes}]` : '',
    o.responseTime ? `rt ${formatDuration(o.responseTime.mean)}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

/** `names`: what the devices call their targets (learned OPC UA browse names). */
export function formatConversations(conversations: Conversation[], names?: TargetNames): string {
  if (conversations.length === 0) return 'no conversations learned yet';
  const lines: string[] = [];
  const rows = conversations.map((c) => [
    c.protocol,
    c.client.ip,
    `${c.server.broadcast ? 'broadcast ' : ''}${c.server.ip}:${c.server.port}`,
    String(c.transactions),
    String(c.packets),
    String(c.bytes),
    formatTime(c.firstSeen),
    formatTime(c.lastSeen),
  ]);
  lines.push(formatTable(['protocol', 'client', 'server', 'transactions', 'packets', 'bytes', 'first seen', 'last seen'], rows));
  for (const c of conversations) {
    lines.push('', `${c.client.ip} -> ${c.server.ip}:${c.server.port} ${c.protocol}`);
    for (const o of Object.values(c.operations)) lines.push(`  ${describeOperation(c.protocol, o, names)}`);
    if (c.orphanResponses) lines.push(`  ${c.orphanResponses} responses without a request seen`);
  }
  return lines.join('\n');
}
