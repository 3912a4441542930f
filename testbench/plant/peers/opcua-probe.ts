// Runs OPC UA actions once each, each on a connection and session of its own, and reports per
// action whether it was answered: what a client sees of a gateway's verdicts. `chunkBytes` makes
// the client send in chunks of that size, so a large text write goes in several.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy } from 'node-opcua';

type Action = { read: string } | { write: string } | { writeText: string; length: number } | { call: string; method: string };

const { endpoint, security, actions, timeoutMs, chunkBytes } = JSON.parse(process.argv[2]!) as { endpoint: string; security: 'None' | 'SignAndEncrypt'; actions: Action[]; timeoutMs: number; chunkBytes?: number };
const pki = join(mkdtempSync(join(tmpdir(), 'bulkhead-probe-pki-')), 'pki');
const results: string[] = [];
for (const a of actions) {
  const client = OPCUAClient.create({
    applicationName: 'BulkheadProbe',
    endpointMustExist: false,
    securityMode: security === 'None' ? MessageSecurityMode.None : MessageSecurityMode.SignAndEncrypt,
    securityPolicy: security === 'None' ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
    connectionStrategy: { maxRetry: 0, initialDelay: 100 },
    defaultTransactionTimeout: timeoutMs,
    ...(chunkBytes ? { transportSettings: { sendBufferSize: chunkBytes, receiveBufferSize: 65_536, maxChunkCount: 1000 } } : {}),
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true }),
  });
  // Certificates for SignAndEncrypt are made on the first connect: allow for that.
  const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs * (security === 'None' ? 3 : 10)));
  try {
    await Promise.race([
      (async () => {
        await client.connect(endpoint);
        const session = await client.createSession();
        if ('read' in a) {
          const v = await session.read({ nodeId: a.read, attributeId: AttributeIds.Value });
          if (!v.statusCode.isGood()) throw new Error(`read: ${v.statusCode.name}`);
        } else if ('writeText' in a) {
          const s = await session.write({ nodeId: a.writeText, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.String, value: 'R'.repeat(a.length) } } });
          if (!s.isGood()) throw new Error(`write: ${s.name}`);
        } else if ('write' in a) {
          const s = await session.write({ nodeId: a.write, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 42 } } });
          if (!s.isGood()) throw new Error(`write: ${s.name}`);
        } else {
          const r = await session.call({ objectId: a.call, methodId: a.method, inputArguments: [] });
          if (!r.statusCode.isGood()) throw new Error(`call: ${r.statusCode.name}`);
        }
        results.push('answered');
      })(),
      deadline,
    ]);
  } catch (err) {
    const m = (err as Error).message;
    results.push(/ECONNRESET|reset by peer|premature|Connection Break|Secure Channel Closed|socket has been disconnected/i.test(m) ? 'reset' : /timeout|timed out/i.test(m) ? 'timeout' : `error: ${m}`);
  }
  // The connection may be stuck behind a dropped request: do not wait for a polite close.
  void client.disconnect().catch(() => undefined);
}
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(0);
