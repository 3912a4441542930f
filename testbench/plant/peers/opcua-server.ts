// An OPC UA server (security None, and Basic256Sha256 SignAndEncrypt) with process variables,
// text variables (recipes: large values a client writes in several chunks) and a Reset method;
// writes and method calls are logged as JSON lines (the ground truth of what got through).
// Given `buildInfo`, it says it is that product (manufacturer, product, software version, build
// number) in its ServerStatus, as a real product's server would.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, OPCUACertificateManager, OPCUAServer, StatusCodes, Variant } from 'node-opcua';
import { log } from './schedule.js';

interface BuildInfo {
  manufacturerName?: string;
  productName?: string;
  softwareVersion?: string;
  buildNumber?: string;
}

const { host, variables, texts = [], buildInfo } = JSON.parse(process.argv[2]!) as { host: string; variables: string[]; texts?: string[]; buildInfo?: BuildInfo };

const server = new OPCUAServer({
  port: 4840,
  hostname: host,
  alternateHostname: [host],
  buildInfo: { productUri: 'urn:bulkhead:testbench:opcua-server', productName: 'Bulkhead testbench OPC UA server', ...buildInfo },
  serverInfo: { applicationUri: 'urn:bulkhead:testbench:opcua-server', applicationName: { text: 'Testbench Line Server' } },
  serverCertificateManager: new OPCUACertificateManager({ rootFolder: join(mkdtempSync(join(tmpdir(), 'bulkhead-plant-pki-')), 'pki'), automaticallyAcceptUnknownCertificate: true }),
});
await server.initialize();
const addressSpace = server.engine.addressSpace!;
const ns = addressSpace.getOwnNamespace();
const line = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: 'Line1' });
for (const name of variables) {
  let value = 20;
  ns.addVariable({
    componentOf: line,
    browseName: name,
    nodeId: `ns=1;s=Line1.${name}`,
    dataType: 'Double',
    value: {
      get: () => new Variant({ dataType: DataType.Double, value: (value += 0.1) }),
      set: (v: Variant) => {
        value = v.value as number;
        log({ write: name, value });
        return StatusCodes.Good;
      },
    },
  });
}
for (const name of texts) {
  let text = '';
  ns.addVariable({
    componentOf: line,
    browseName: name,
    nodeId: `ns=1;s=Line1.${name}`,
    dataType: 'String',
    value: {
      get: () => new Variant({ dataType: DataType.String, value: text }),
      set: (v: Variant) => {
        text = String(v.value);
        log({ write: name, length: text.length });
        return StatusCodes.Good;
      },
    },
  });
}
const reset = ns.addMethod(line, { browseName: 'Reset', nodeId: 'ns=1;s=Line1.Reset', inputArguments: [], outputArguments: [] });
reset.bindMethod((_inputs, _context, callback) => {
  log({ write: 'call', method: 'Reset' });
  callback(null, { statusCode: StatusCodes.Good, outputArguments: [] });
});
await server.start();
log({ ready: true });
