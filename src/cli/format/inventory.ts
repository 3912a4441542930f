// `bulkhead assets` and `bulkhead conversations`: the learned inventory and baseline as tables.

import { describeIdentity } from '../../../protocols/registry.js';
import type { Asset, Conversation, OperationStats, TargetSummary } from '../../learn/model.js';
import { mainPoll } from '../../learn/operation-stats.js';
import { formatRanges } from '../../learn/ranges.js';
import { formatDuration, formatTable, formatTime } from './table.js';

/** The asset's identities in each protocol module's words (as the console shows them). */
function identityOf(a: Asset): string {
  return describeIdentity(a.identity as Record<string, Record<string, unknown>>).join('; ') || '-';
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

function describeTarget(t: TargetSummary): string {
  switch (t.type) {
    case 'modbus':
      return `unit ${t.unit}${t.table ? ` ${t.table}` : ''}${t.access ? ` (${t.access})` : ''}${t.ranges.length ? ` ${formatRanges(t.ranges)}` : ''}`;
    case 'bacnet':
      return `${t.objectTypeName},${t.instance}${t.properties.length ? ` [${t.properties.join(',')}]` : ''}`;
    case 'opcua':
      return `${t.nodeId}${t.methods.length ? ` methods ${t.methods.join(',')}` : ''}`;
  }
}

/** One line per operation: what, how often, on what, with which outcomes, at which period. */
export function describeOperation(o: OperationStats): string {
  const targets = o.targets.slice(0, 6).map(describeTarget);
  if (o.targets.length > 6) targets.push(`+${o.targets.length - 6} more`);
  const poll = mainPoll(o);
  const outcomes = Object.entries(o.outcomes)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `${o.kind} ${o.codeName}${o.subCodeName ? `/${o.subCodeName}` : ''} (${o.code}) x${o.count}`,
    targets.length ? `on ${targets.join('; ')}${o.targetsTruncated ? ' (truncated)' : ''}` : '',
    poll ? `every ${formatDuration(poll.interval)} ±${formatDuration(poll.jitter)}` : '',
    outcomes ? `[${outcomes}]` : '',
    o.responseTime ? `rt ${formatDuration(o.responseTime.mean)}` : '',
  ]
    .filter(Boolean)
    .join('  ');
}

export function formatConversations(conversations: Conversation[]): string {
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
    for (const o of Object.values(c.operations)) lines.push(`  ${describeOperation(o)}`);
    if (c.orphanResponses) lines.push(`  ${c.orphanResponses} responses without a request seen`);
  }
  return lines.join('\n');
}
