// A historian: an OPC UA client that reads a set of variables on a fixed period. Given `write`,
// it writes that variable once instead (what a historian must never do). Says `ready` once its
// first read is answered.

import { AttributeIds, DataType, OPCUAClient, MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { every as repeat, log } from './schedule.js';

const { endpoint, nodes, every, write } = JSON.parse(process.argv[2]!) as { endpoint: string; nodes: string[]; every: number; write?: { nodeId: string; value: number } };

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
let ready = false;
repeat(every, () => {
  session
    .read(nodes.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })))
    .then(() => {
      if (!ready) log({ ready: (ready = true) });
    })
    .catch((err: Error) => process.stderr.write(`read: ${err.message}\n`));
});
