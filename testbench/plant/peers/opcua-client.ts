// A historian: an OPC UA client that reads a set of variables on a fixed period.

import { AttributeIds, OPCUAClient, MessageSecurityMode, SecurityPolicy } from 'node-opcua';

const { endpoint, nodes, every } = JSON.parse(process.argv[2]!) as { endpoint: string; nodes: string[]; every: number };

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
setInterval(() => {
  session.read(nodes.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value }))).catch((err: Error) => process.stderr.write(`read: ${err.message}\n`));
}, every * 1000);
