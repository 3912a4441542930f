// Sends a list of BACnet confirmed requests once each and reports, per request, whether it was
// answered: what a client sees of a gateway's verdicts.

import bacnet from '@bacnet-js/client';

// A CommonJS package: its class is the default export's `default`.
const BACnetClient = bacnet.default;

type Request = { service: 'readProperty' | 'writeProperty'; type: number; instance: number } | { service: 'deviceCommunicationControl' | 'reinitializeDevice' };

const { device, broadcast, requests, timeoutMs } = JSON.parse(process.argv[2]!) as { device: string; broadcast: string; requests: Request[]; timeoutMs: number };
const client = new BACnetClient({ port: 47808, interface: '0.0.0.0', broadcastAddress: broadcast, apduTimeout: timeoutMs });
const to = { address: device };
const results: string[] = [];
for (const r of requests) {
  try {
    if (r.service === 'readProperty') await client.readProperty(to, { type: r.type, instance: r.instance }, 85);
    else if (r.service === 'writeProperty') await client.writeProperty(to, { type: r.type, instance: r.instance }, 85, [{ type: 4, value: 42 }], { priority: 8 });
    // enable-disable 1: disable, for 60 minutes; reinitialize state 0: cold start.
    else if (r.service === 'deviceCommunicationControl') await client.deviceCommunicationControl(to, 60, 1);
    else await client.reinitializeDevice(to, 0);
    results.push('answered');
  } catch (err) {
    results.push(/timeout/i.test((err as Error).message) ? 'timeout' : `error: ${(err as Error).message}`);
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(0);
