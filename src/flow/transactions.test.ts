import { describe, expect, it } from 'vitest';
import type { Operation } from '../../protocols/operation.js';
import { TransactionPairer, type Transaction } from './transactions.js';

function op(over: Partial<Operation> & Pick<Operation, 'direction'>, ts: number): Operation {
  return {
    protocol: 'modbus',
    kind: 'read',
    code: 3,
    codeName: 'Read Holding Registers',
    client: { ip: '10.0.0.2', port: 40000 },
    server: { ip: '10.0.0.1', port: 502 },
    flowId: 'f1',
    targets: [],
    anomalies: [],
    evidence: { ts, frame: 1, bytes: 12 },
    ...over,
  };
}

function pairer(limits = { maxUnrepliedPerFlow: 4, requestTimeoutSeconds: 30 }) {
  const out: Transaction[] = [];
  const limited: string[] = [];
  const p = new TransactionPairer((t) => out.push(t), limits, (flow, _proto, detail) => limited.push(`${flow}: ${detail}`));
  return { p, out, limited };
}

describe('request/response pairing', () => {
  it('pairs Modbus requests and responses by transaction id, out of order, with outcome and response time', () => {
    const { p, out } = pairer();
    p.operation(op({ direction: 'request', transactionId: 1 }, 10));
    p.operation(op({ direction: 'request', transactionId: 2, code: 6, kind: 'write' }, 10.1));
    p.operation(op({ direction: 'response', transactionId: 2, code: 6, outcome: { status: 'exception', code: 2, name: 'ILLEGAL DATA ADDRESS' } }, 10.15));
    p.operation(op({ direction: 'response', transactionId: 1, outcome: { status: 'ok' } }, 10.3));
    expect(out.map((t) => [t.status, t.op.transactionId, t.op.outcome?.status])).toEqual([
      ['answered', 2, 'exception'],
      ['answered', 1, 'ok'],
    ]);
    expect(out[0]!.responseTime).toBeCloseTo(0.05, 6);
    expect(p.outstanding).toBe(0);
  });

  it('does not pair across flows, and reports responses without a request', () => {
    const { p, out } = pairer();
    p.operation(op({ direction: 'request', transactionId: 7 }, 1));
    p.operation(op({ direction: 'response', transactionId: 7, flowId: 'other' }, 1.1));
    expect(out.map((t) => t.status)).toEqual(['orphan_response']);
    expect(p.outstanding).toBe(1);
  });

  it('declares requests unanswered on timeout, key reuse, flow end and the per-flow bound', () => {
    const { p, out, limited } = pairer({ maxUnrepliedPerFlow: 2, requestTimeoutSeconds: 5 });
    p.operation(op({ direction: 'request', transactionId: 1 }, 0));
    p.operation(op({ direction: 'request', transactionId: 1 }, 1)); // id reused: the first went unanswered
    expect(out.map((t) => [t.status, t.op.evidence.ts])).toEqual([['unanswered', 0]]);
    p.operation(op({ direction: 'request', transactionId: 2 }, 2));
    p.operation(op({ direction: 'request', transactionId: 3 }, 3)); // third outstanding on a bound of 2
    expect(out.at(-1)).toMatchObject({ status: 'unanswered', op: { transactionId: 1 } });
    expect(limited).toHaveLength(1);
    p.operation(op({ direction: 'request', transactionId: 9, flowId: 'f2' }, 9)); // 6 s later: ids 2 and 3 time out
    expect(out.filter((t) => t.status === 'unanswered').map((t) => t.op.transactionId)).toEqual([1, 1, 2, 3]);
    p.flowEnded('f2');
    expect(out.at(-1)).toMatchObject({ status: 'unanswered', op: { transactionId: 9 } });
    expect(p.outstanding).toBe(0);
  });

  it('at the end of input tells requests cut off by it from requests that went unanswered', () => {
    const { p, out } = pairer({ maxUnrepliedPerFlow: 4, requestTimeoutSeconds: 5 });
    p.operation(op({ direction: 'request', transactionId: 1 }, 1)); // the timeout has run out at the end
    p.operation(op({ direction: 'request', transactionId: 2, flowId: 'f2' }, 5.9));
    p.operation(op({ direction: 'response', transactionId: 2, flowId: 'f2' }, 5.95));
    p.operation(op({ direction: 'request', transactionId: 3, flowId: 'f2' }, 6)); // the capture stops before its response
    p.flush();
    expect(out.map((t) => [t.status, t.op.transactionId])).toEqual([
      ['answered', 2],
      ['unanswered', 1],
      ['cut_off', 3],
    ]);
    expect(p.outstanding).toBe(0);
  });

  it('treats BACnet unconfirmed services as unsolicited and pairs confirmed ones by invoke id', () => {
    const { p, out } = pairer();
    const bacnet = { protocol: 'bacnet' as const, flowId: 'u1', code: 12, codeName: 'readProperty' };
    p.operation(op({ ...bacnet, direction: 'unsolicited', subCode: 1, code: 8, codeName: 'who-Is' }, 1));
    p.operation(op({ ...bacnet, direction: 'request', subCode: 0, transactionId: 5 }, 2));
    p.operation(op({ ...bacnet, direction: 'response', subCode: 3, transactionId: 5 }, 2.01));
    expect(out.map((t) => t.status)).toEqual(['unsolicited', 'answered']);
  });

  it('leaves encrypted OPC UA messages unpaired', () => {
    const { p, out } = pairer();
    p.operation(op({ protocol: 'opcua', direction: 'request', encrypted: true, code: 5067591, codeName: 'EncryptedMessage' }, 1));
    expect(out.map((t) => t.status)).toEqual(['unpaired']);
  });
});
