// The one verdict. Every judge calls it: the inline inspector, the simulation of a capture or of
// the baseline, and learn mode's "would deny". It owns every reason a request can be refused:
// the policy's rules (evaluate.ts), and what the rules cannot see: a request the stream
// follower could not read (malformed, uninspectable, stream integrity), a request the decoder
// found anomalies in (what a device makes of it is its own guess), the services of an
// encrypted channel, and isolation. Reasons are codes (VERDICT_CODES); the sentence is built
// from the code and the request.

import type { Endpoint, Operation } from '../../protocols/operation.js';
import type { InspectionProblem, RequestFollower } from '../flow/request-follower.js';
import { AddressSet, parseMember, type Member } from './addresses.js';
import type { Evaluator, Verdict, VerdictCode } from './evaluate.js';

export { VERDICT_CODES, type Verdict, type VerdictCode } from './evaluate.js';

/** A verdict made here (not by a rule): its reason is known at once. */
function verdict(action: 'allow' | 'deny', code: VerdictCode, reason: string, conduitId?: string, ruleId?: string): Verdict {
  const v: Verdict = { action, code, reason };
  if (conduitId !== undefined) v.conduitId = conduitId;
  if (ruleId !== undefined) v.ruleId = ruleId;
  return v;
}

export class Judge {
  /** Addresses cut off in every mode (island mode), before any rule. */
  private isolated: AddressSet | undefined;
  /** The request whose verdict `packet` returned (undefined for a problem or no request). */
  decided: Operation | undefined;

  constructor(public evaluator: Evaluator) {}

  /** Addresses (IPs, CIDR blocks) isolated now: their requests are denied whatever the rules say. */
  isolate(addresses: readonly string[]): void {
    const members = addresses.map(parseMember).filter((m): m is Member => typeof m !== 'string');
    this.isolated = members.length ? new AddressSet(members) : undefined;
  }

  /** The verdict on one request (a decoded operation with its endpoints). */
  request(op: Operation): Verdict {
    if (this.isolated && (this.isolated.has(op.client.ip) || this.isolated.has(op.server.ip))) {
      const who = this.isolated.has(op.client.ip) ? op.client.ip : op.server.ip;
      return verdict('deny', 'isolated', `denied: ${who} is isolated (island mode): nothing reaches it or leaves it until it is released`, this.evaluator.conduitBetween(op.client, op.server)?.id);
    }
    const v = this.evaluator.evaluate(op);
    if (v.action === 'deny') {
      if (!op.encrypted) return v;
      return verdict('deny', 'encrypted_channel', `${v.reason}; the channel is encrypted, so its services cannot be inspected: only a rule allowing the channel as a whole (kind unknown) lets it through`, v.conduitId, v.ruleId);
    }
    // What a device makes of a malformed request is its own guess: it cannot be shown to be allowed.
    const a = op.direction === 'response' ? undefined : op.anomalies[0];
    if (a) return verdict('deny', 'malformed', `denied: malformed ${op.codeName} request (${a.type}${a.detail ? `: ${a.detail}` : ''}), from ${op.client.ip} to ${op.server.ip}:${op.server.port}`, v.conduitId, v.ruleId);
    return v;
  }

  /** The verdict on a packet whose requests the stream follower could not read. */
  problem(client: Endpoint, server: Endpoint, problem: InspectionProblem, detail: string): Verdict {
    this.decided = undefined;
    return verdict('deny', problem, `denied: ${detail}, from ${client.ip} to ${server.ip}:${server.port}`, this.evaluator.conduitBetween(client, server)?.id);
  }

  /**
   * The verdict on one packet toward a server, from what the stream follower found in it: its
   * problem, else the first denial among its requests, else allowed (undefined: it carried no
   * request, only a prefix of one or responses). Each request judged is handed to `each` with
   * its verdict, in order.
   */
  packet(found: Pick<RequestFollower, 'requests' | 'problem' | 'detail'>, client: Endpoint, server: Endpoint, evidence: Operation['evidence'], each?: (op: Operation, v: Verdict) => void): Verdict | undefined {
    this.decided = undefined;
    if (found.problem) return this.problem(client, server, found.problem, found.detail);
    let first: Verdict | undefined;
    for (const rec of found.requests) {
      if (rec.direction === 'response') continue;
      const op = rec as Operation;
      op.client = client;
      op.server = server;
      op.flowId = '';
      op.evidence = evidence;
      const v = this.request(op);
      each?.(op, v);
      if (!first || (first.action === 'allow' && v.action === 'deny')) {
        first = v;
        this.decided = op;
      }
      if (v.action === 'deny' && !each) break;
    }
    return first;
  }
}
