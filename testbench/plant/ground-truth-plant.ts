// The scripted ground-truth plant: two PLCs, an HMI polling register blocks on a fixed period,
// an engineering station that writes occasionally, an OPC UA server with a historian client,
// a BACnet controller and a building-management client, on one LAN of network namespaces.
// What it does is fixed here, so tests can assert exactly what learning must find.

import type { ChildProcess } from 'node:child_process';
import { join, sep } from 'node:path';
import { createLan, type Lan, type LanHost } from './lan.js';

export const SUBNET = '10.250.1';
export const BROADCAST = `${SUBNET}.255`;

/** MACs with real IEEE OUIs, so the vendor lookup has something true to find. */
export const HOSTS = {
  plc1: { name: 'plc1', ip: `${SUBNET}.11`, mac: '00:1b:1b:00:01:11' }, // Siemens
  plc2: { name: 'plc2', ip: `${SUBNET}.12`, mac: '00:80:f4:00:01:12' }, // Telemecanique (Schneider)
  hmi: { name: 'hmi', ip: `${SUBNET}.21`, mac: '00:0e:8c:00:01:21' }, // Siemens
  ews: { name: 'ews', ip: `${SUBNET}.22`, mac: '00:1b:1b:00:01:22' },
  opcua: { name: 'opcua', ip: `${SUBNET}.30`, mac: '00:30:de:00:01:30' }, // WAGO
  historian: { name: 'historian', ip: `${SUBNET}.40`, mac: '00:0e:8c:00:01:40' },
  bacnet: { name: 'bacnet', ip: `${SUBNET}.50`, mac: '00:05:4b:00:01:50' }, // Eaton Automation
  bms: { name: 'bms', ip: `${SUBNET}.60`, mac: '00:0e:8c:00:01:60' },
} satisfies Record<string, LanHost>;

/** A host that takes no part in the plant: the attacker of the policy tests. */
export const ATTACKER: LanHost = { name: 'attacker', ip: `${SUBNET}.66`, mac: '02:00:00:00:01:66' };

export const HMI_PERIOD = 0.5;
export const HISTORIAN_PERIOD = 1;
export const BMS_PERIOD = 2;
export const EWS_WRITE_PERIOD = 4;
export const OPCUA_VARIABLES = ['Temperature', 'Pressure'];
export const BACNET_DEVICE = { deviceInstance: 1050, vendorId: 8 };
export const BACNET_OBJECTS = [
  { type: 0, instance: 1 },
  { type: 0, instance: 2 },
];

interface Peer {
  host: keyof typeof HOSTS;
  script: string;
  config: object;
}

const PEERS: Peer[] = [
  { host: 'plc1', script: 'modbus-plc', config: { host: HOSTS.plc1.ip, unit: 1 } },
  { host: 'plc2', script: 'modbus-plc', config: { host: HOSTS.plc2.ip, unit: 1 } },
  { host: 'opcua', script: 'opcua-server', config: { host: HOSTS.opcua.ip, variables: OPCUA_VARIABLES } },
  { host: 'bacnet', script: 'bacnet-device', config: { broadcast: BROADCAST, ...BACNET_DEVICE } },
  {
    host: 'hmi',
    script: 'modbus-client',
    config: {
      tasks: [
        { server: HOSTS.plc1.ip, unit: 1, fc: 3, start: 0, count: 10, every: HMI_PERIOD, after: 0.5 },
        { server: HOSTS.plc1.ip, unit: 1, fc: 1, start: 0, count: 16, every: HMI_PERIOD, after: 0.5 },
        { server: HOSTS.plc2.ip, unit: 1, fc: 3, start: 100, count: 20, every: HMI_PERIOD, after: 0.5 },
      ],
    },
  },
  {
    host: 'ews',
    script: 'modbus-client',
    config: {
      tasks: [
        { server: HOSTS.plc1.ip, unit: 1, fc: 6, start: 40, count: 1, every: EWS_WRITE_PERIOD, after: 1 },
        { server: HOSTS.plc2.ip, unit: 1, fc: 16, start: 200, count: 4, after: 2 },
      ],
    },
  },
  {
    host: 'historian',
    script: 'opcua-client',
    config: { endpoint: `opc.tcp://${HOSTS.opcua.ip}:4840`, nodes: OPCUA_VARIABLES.map((v) => `ns=1;s=Line1.${v}`), every: HISTORIAN_PERIOD },
  },
  { host: 'bms', script: 'bacnet-client', config: { broadcast: BROADCAST, device: HOSTS.bacnet.ip, objects: BACNET_OBJECTS, every: BMS_PERIOD } },
];

export interface Plant {
  lan: Lan;
  /** Lines each peer printed (its write log), by host. */
  logs: Map<string, string[]>;
  stop(): Promise<void>;
}

/**
 * Operations the derived policy must deny: a write from the HMI (which only reads), a BACnet
 * DeviceCommunicationControl from a host outside every zone, an OPC UA Write from the historian.
 */
const ATTACKS: Peer[] = [
  { host: 'hmi', script: 'modbus-client', config: { tasks: [{ server: HOSTS.plc1.ip, unit: 1, fc: 6, start: 5, count: 1 }] } },
  { host: 'attacker' as keyof typeof HOSTS, script: 'bacnet-client', config: { broadcast: BROADCAST, device: HOSTS.bacnet.ip, objects: [], every: 60, disable: true } },
  {
    host: 'historian',
    script: 'opcua-client',
    config: { endpoint: `opc.tcp://${HOSTS.opcua.ip}:4840`, nodes: [], every: 60, write: { nodeId: `ns=1;s=Line1.${OPCUA_VARIABLES[0]}`, value: 99 } },
  },
];

/** Brings the LAN up (the caller starts its capture on the switch), then `startPeers`. */
export function createPlantLan(prefix: string): Lan {
  return createLan(prefix, [...Object.values(HOSTS), ATTACKER]);
}

/** Peers that serve (PLCs, OPC UA server, BACnet controller): the others are their clients. */
const SERVERS = new Set(['modbus-plc', 'opcua-server', 'bacnet-device']);
/** Time a peer may take to say it is ready, on a loaded machine (the OPC UA server makes certificates). */
const READY_MS = 90_000;

/** The plant's servers, resolved once every one of them listens. */
export function startServers(lan: Lan): Promise<Plant> {
  return startReady(lan, PEERS.filter((p) => SERVERS.has(p.script)));
}

/** The plant's clients, resolved once each has had its first requests answered (steady operation). */
export function startClients(lan: Lan): Promise<Plant> {
  return startReady(lan, PEERS.filter((p) => !SERVERS.has(p.script)));
}

/** The plant's normal operation: servers, then clients, resolved once all of it runs. */
export async function startPeers(lan: Lan): Promise<Plant> {
  const servers = await startServers(lan);
  const clients = await startClients(lan);
  return {
    lan,
    logs: new Map([...servers.logs, ...clients.logs]),
    stop: async () => {
      await clients.stop();
      await servers.stop();
    },
  };
}

/** Starts peers and waits until each has logged `ready`, naming those that did not. */
async function startReady(lan: Lan, peers: Peer[]): Promise<Plant> {
  const plant = start(lan, peers);
  const deadline = Date.now() + READY_MS;
  const waiting = () => peers.filter((p) => !plant.logs.get(p.host)!.some((l) => l.includes('"ready":true')));
  while (waiting().length > 0) {
    if (Date.now() > deadline) {
      await plant.stop();
      throw new Error(`plant peers not ready within ${READY_MS / 1000} s: ${waiting().map((p) => `${p.host} (${plant.logs.get(p.host)!.slice(-3).join(' | ') || 'no output'})`).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return plant;
}

/** The unauthorised operations, each run once (their processes end by themselves or are stopped). */
export function startAttacks(lan: Lan): Plant {
  return start(lan, ATTACKS);
}

function start(lan: Lan, peers: Peer[]): Plant {
  // Peers run as built JavaScript, also when this module runs from source under the test runner.
  const here = import.meta.dirname;
  const peersDir = here.includes(`${sep}dist${sep}`) ? join(here, 'peers') : join(here, '..', '..', 'dist', 'testbench', 'plant', 'peers');
  const procs: ChildProcess[] = [];
  const logs = new Map<string, string[]>();
  for (const p of peers) {
    const proc = lan.spawnIn(p.host, process.execPath, [join(peersDir, `${p.script}.js`), JSON.stringify(p.config)]);
    const lines = logs.get(p.host) ?? [];
    logs.set(p.host, lines);
    // Whole lines only: a chunk may end in the middle of one.
    let partial = '';
    proc.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter(Boolean));
    });
    proc.stderr!.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString().trim()}`));
    procs.push(proc);
  }
  return {
    lan,
    logs,
    stop: async () => {
      await Promise.all(
        procs.map(
          (proc) =>
            new Promise<void>((resolve) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
              proc.once('exit', () => resolve());
              proc.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
