// node-opcua client and server on loopback, on a non-standard port, captured by tcpdump:
// with security None every service and node is decoded; with SignAndEncrypt only the channel is.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, DataType, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, OPCUAServer, SecurityPolicy, StatusCodes, Variant } from 'node-opcua';
import { decodeFile } from '../lib/decode-file.js';
import { loopbackCaptureUnavailable, startLoopbackCapture } from '../lib/loopback-capture.js';
import type { OpcuaTarget } from '../../protocols/operation.js';

const unavailable = loopbackCaptureUnavailable();
if (unavailable) console.warn(`SKIPPED: OPC UA real-peer decoding tests: ${unavailable}`);

const PORT = 48410;
const SPEED = 'ns=1;s=Pump.Speed';

describe.skipIf(unavailable !== undefined)('node-opcua peers captured on loopback', () => {
  let server: OPCUAServer;
  const pki = mkdtempSync(join(tmpdir(), 'bulkhead-opcua-pki-'));

  beforeAll(async () => {
    server = new OPCUAServer({
      port: PORT,
      serverCertificateManager: new OPCUACertificateManager({ rootFolder: join(pki, 'server'), automaticallyAcceptUnknownCertificate: true }),
    });
    await server.initialize();
    const addressSpace = server.engine.addressSpace!;
    const ns = addressSpace.getOwnNamespace();
    const pump = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Pump' });
    let speed = 10;
    ns.addVariable({
      componentOf: pump,
      browseName: 'Speed',
      nodeId: SPEED,
      dataType: 'Double',
      value: {
        get: () => new Variant({ dataType: DataType.Double, value: speed }),
        set: (v: Variant) => {
          speed = v.value as number;
          return StatusCodes.Good;
        },
      },
    });
    await server.start();
  }, 120_000);

  afterAll(async () => {
    await server?.shutdown(0);
  });

  async function session(mode: MessageSecurityMode, policy: SecurityPolicy): Promise<string> {
    const cap = await startLoopbackCapture(`tcp port ${PORT}`);
    const client = OPCUAClient.create({
      applicationName: 'BulkheadTestClient',
      endpointMustExist: false,
      securityMode: mode,
      securityPolicy: policy,
      connectionStrategy: { maxRetry: 1, initialDelay: 100 },
      clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(pki, 'client'), automaticallyAcceptUnknownCertificate: true }),
    });
    await client.connect(`opc.tcp://127.0.0.1:${PORT}`);
    const s = await client.createSession();
    await s.read({ nodeId: SPEED, attributeId: AttributeIds.Value });
    await s.write({ nodeId: SPEED, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: 42 } } });
    await s.browse('i=85');
    await s.close();
    await client.disconnect();
    return cap.stop();
  }

  it('security None: services, nodes, session facts', async () => {
    const d = await decodeFile(await session(MessageSecurityMode.None, SecurityPolicy.None));
    const ops = d.operations.filter((o) => o.protocol === 'opcua');
    expect(ops.length).toBeGreaterThan(10);
    expect(ops.every((o) => !o.encrypted && o.anomalies.length === 0)).toBe(true);
    expect(ops.every((o) => o.server.port === PORT)).toBe(true);
    const hello = ops.find((o) => o.codeName === 'Hello')!;
    expect(hello.details?.endpointUrl).toBe(`opc.tcp://127.0.0.1:${PORT}`);
    const opn = ops.find((o) => o.code === 446)!;
    expect(opn.details?.securityMode).toBe('None');
    const create = ops.find((o) => o.code === 461)!;
    expect(create.details?.clientApplicationName).toBe('BulkheadTestClient');
    expect(ops.find((o) => o.code === 467)!.details?.identityToken).toBe('anonymous');
    const read = ops.find((o) => o.code === 631 && o.targets.some((t) => (t as OpcuaTarget).nodeId === SPEED))!;
    expect(read.targets).toEqual([{ type: 'opcua', nodeId: SPEED, attribute: 13 }]);
    const write = ops.find((o) => o.code === 673)!;
    expect(write.kind).toBe('write');
    expect(write.targets).toEqual([{ type: 'opcua', nodeId: SPEED, attribute: 13 }]);
    const browse = ops.find((o) => o.code === 527)!;
    expect(browse.targets[0]).toEqual({ type: 'opcua', nodeId: 'i=85' });
    // Every request is answered, paired by request handle.
    const writeResponse = ops.find((o) => o.code === 676)!;
    expect(writeResponse.requestHandle).toBe(write.requestHandle);
    expect(writeResponse.outcome?.status).toBe('ok');
  }, 60_000);

  it('SignAndEncrypt: channel-level records only, flagged encrypted', async () => {
    const d = await decodeFile(await session(MessageSecurityMode.SignAndEncrypt, SecurityPolicy.Basic256Sha256));
    // node-opcua first asks for the endpoints on a None channel, then opens the secure one.
    const all = d.operations.filter((o) => o.protocol === 'opcua');
    const secureFlow = all.find((o) => o.details?.securityPolicyUri === 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256')!.flowId;
    const discovery = all.filter((o) => o.flowId !== secureFlow);
    expect(discovery.some((o) => o.code === 428)).toBe(true);
    const ops = all.filter((o) => o.flowId === secureFlow);
    const opn = ops.filter((o) => o.subCodeName === 'OPN');
    expect(opn.length).toBe(2);
    expect(opn.every((o) => o.encrypted && o.details?.securityPolicyUri === 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256')).toBe(true);
    const msgs = ops.filter((o) => o.subCodeName === 'MSG');
    expect(msgs.length).toBeGreaterThan(4);
    expect(msgs.every((o) => o.encrypted && o.codeName === 'EncryptedMessage' && o.targets.length === 0)).toBe(true);
    // Nothing invented from ciphertext.
    expect(ops.some((o) => o.code === 673 || o.code === 631)).toBe(false);
    expect(all.flatMap((o) => o.anomalies)).toEqual([]);
  }, 90_000);
});
