// A historian: an OPC UA client that reads a set of variables on a fixed period; given
// `serverStatus`, it first reads the server's ServerStatus (i=2256) once, as HMIs and historians
// do on connecting. Given `write`, it writes that variable once instead (what a historian must
// never do). Says `ready` once its first read of the variables is answered (with the server's
// build information when it read it).

import { AttributeIds, DataType, OPCUAClient, MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { every as repeat, log } from './schedule.js';

const { endpoint, nodes, every, write, serverStatus } = JSON.parse(process.argv[2]!) as {
  endpoint: string;
  nodes: string[];
  every: number;
  write?: { nodeId: string; value: number };
  serverStatus?: boolean;
};

const client = OPCUAClient.create({
  applicationName: 'TestbenchHistorian',
  applicationUri: 'urn:bulkhead:testbench:historian',
  endpointMustExist: false,
  securityMode: MessageSecurityMode.None,
  securityPolicy: SecurityPolicy.None,
  connectionStrategy: { maxRetry: 60, initialDelay: 250, maxDelay: 500 },
});
await client.connect(endpoint);
const session = await client.createSession();
if (write) {
  await session.write({ nodeId: write.nodeId, attributeId: AttributeIds.Value, value: { value: { dataType: DataType.Double, value: write.value } } });
  await client.disconnect();
  process.exit(0);
}
/** The server's build information from its ServerStatus, as the client read it. */
async function readBuildInfo(): Promise<object> {
  const status = await session.read({ nodeId: 'i=2256', attributeId: AttributeIds.Value });
  const b = (status.value.value as { buildInfo?: Record<string, unknown> } | null)?.buildInfo ?? {};
  return { manufacturerName: b.manufacturerName, productName: b.productName, softwareVersion: b.softwareVersion, buildNumber: b.buildNumber };
}
const server = serverStatus ? await readBuildInfo() : undefined;
let ready = false;
repeat(every, () => {
  session
    .read(nodes.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })))
    .then(() => {
      if (!ready) log({ ready: (ready = true), server });
    })
    .catch((err: Error) => process.stderr.write(`read: ${err.message}\n`));
});
