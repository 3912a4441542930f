// The reviewed table of virtual patches: for advisories of the CISA ICS corpus whose own text
// names what the gateway can refuse (a Modbus function, a protocol on a port, another service's
// port), the deny that stands in for the patch a device cannot take yet. Each entry quotes its
// first advisory word for word (the unit test checks the corpus holds the quote), so an entry
// refuses what the advisory names and no more.
//
// Reviewed against the corpus of 2017 to 2024-10. Its BACnet and OPC UA advisories name no
// single service (only the protocol, its port, or "a specific packet"), so their entries refuse
// the protocol itself, meant for the hosts that have no business with it (see `keep`).

import type { Protocol } from '../../protocols/operation.js';
import type { Allowance } from '../policy/model.js';

export interface VirtualPatch {
  /** Stable: 'vp-umas-modicon'; at most PATCH_ID_MAX characters, so rule ids built on it fit. */
  id: string;
  /** Tracking ids it answers; the quote is from the first. */
  advisories: readonly string[];
  /** The CVEs it answers. */
  cves: readonly string[];
  /** 'other': a service the gateway does not inspect (FTP 21, HTTP 80, SNMP 161, ...). */
  protocol: Protocol | 'other';
  /** For 'other': the service's transport. */
  transport?: 'tcp' | 'udp';
  /** For 'other': the service's port; for a protocol: the server port the deny is limited to. */
  port?: number;
  /** For 'other': what the service is called ('FTP'). */
  service?: string;
  /** The operations refused (a protocol's patch); absent: every operation of the protocol. */
  deny?: Allowance[];
  /** In the plant's words: what is refused and why it is the advisory's way in. */
  what: string;
  /** Verbatim from the first advisory's text: where it names what is refused. */
  quote: string;
  /** What still works once the patch is in force. */
  keep?: string;
}

export const PATCH_ID_MAX = 24;

/** Schneider's UMAS rides on Modbus function code 90, a code the specification leaves unassigned. */
const UMAS = 90;
const READ_FILE_RECORD = 20;

const PROTOCOL_PATCHES: readonly VirtualPatch[] = [
  {
    id: 'vp-umas-modicon',
    advisories: ['ICSA-17-101-01', 'ICSA-21-194-02', 'ICSA-23-227-01', 'ICSA-23-201-01'],
    cves: ['CVE-2017-6034', 'CVE-2017-6032', 'CVE-2021-22779', 'CVE-2022-45789', 'CVE-2022-45788'],
    protocol: 'modbus',
    deny: [{ codes: [UMAS] }],
    what: "Schneider UMAS requests (Modbus function code 90) to a Modicon controller: the engineering protocol that runs, stops, uploads and downloads its program, the way in of the advisories' replayed, spoofed and hijacked sessions and malicious project files",
    quote: 'replay the following commands: run, stop, upload, and download',
    keep: 'reads and writes of coils and registers (FC 1-6, 15, 16, 23) and device identification (FC 43) pass; every client of the zone the patch is drawn for loses UMAS, the engineering workstation too: program the controller from a zone without the patch, or take the workstation out of the clients of the rule by hand in the draft',
  },
  {
    id: 'vp-umas-m221',
    advisories: ['ICSA-18-324-02'],
    cves: ['CVE-2018-7798'],
    protocol: 'modbus',
    deny: [{ codes: [UMAS] }],
    what: 'Schneider UMAS requests (Modbus function code 90) to a Modicon M221: its programming protocol, whose network configuration module lets its IP address, mask and gateway be changed remotely',
    quote: 'network configuration module in UMAS protocol',
    keep: 'reads and writes of coils and registers (FC 1-6, 15, 16) pass; SoMachine Basic cannot program the controller across this conduit',
  },
  {
    id: 'vp-modbus-file-tbox',
    advisories: ['ICSA-21-054-04'],
    cves: ['CVE-2021-22648'],
    protocol: 'modbus',
    // Vendor function codes are kind program (unassigned) or unknown (user-defined 65-72, 100-110).
    deny: [{ kinds: ['program', 'unknown'] }, { codes: [READ_FILE_RECORD] }],
    what: 'Modbus file access to an Ovarro TBox RTU: its proprietary file access functions (vendor function codes) and the file record functions (FC 20, 21), which read, alter or delete its configuration file',
    quote: 'The TBox proprietary Modbus file access functions allow attackers to read, alter, or delete the configuration file',
    keep: 'reads and writes of coils and registers (FC 1-6, 15, 16), diagnostics (FC 8) and device identification (FC 43/14) pass',
  },
  {
    id: 'vp-modbus-admin-pac3200',
    advisories: ['ICSA-24-284-04'],
    cves: ['CVE-2024-41798'],
    protocol: 'modbus',
    deny: [{ kinds: ['write', 'control', 'program', 'unknown'] }],
    what: 'Modbus writes, commands and programming to a SENTRON PAC3200 power meter (FC 5, 6, 15, 16, 22, 23, restart and listen-only diagnostics): its administrative access, guarded only by a 4-digit PIN',
    quote: 'only provide a 4-digit PIN to protect from administrative access via Modbus TCP interface',
    keep: 'readings (FC 1-4), diagnostics that only report (FC 8) and device identification (FC 43/14) pass',
  },
  {
    id: 'vp-opcua-lds',
    advisories: ['ICSA-17-243-01', 'ICSA-22-132-12'],
    cves: ['CVE-2017-12069', 'CVE-2021-40142'],
    protocol: 'opcua',
    port: 4840,
    what: 'OPC UA to the Local Discovery Server (TCP 4840): the discovery service the crafted messages of the advisories reach',
    quote: 'By sending specially crafted packets to the OPC Discovery Server at port 4840/tcp',
    keep: "the host's OPC UA servers on their own ports pass (clients reach them by their endpoint URL instead of discovery); not for a device whose own OPC UA server listens on 4840",
  },
  {
    id: 'vp-opcua-siemens-4840',
    advisories: ['ICSA-19-099-03', 'ICSA-19-134-09'],
    cves: ['CVE-2019-6575'],
    protocol: 'opcua',
    port: 4840,
    what: "OPC UA to a Siemens device's server (TCP 4840) from hosts with no business there: crafted packets to that port stop its OPC communication; the advisory names no service, so only who may send can be narrowed",
    quote: 'Specially crafted network packets sent to affected devices on Port 4840/TCP',
    keep: 'OPC UA from the hosts left out of the rule passes (give it the other hosts as clients); without clients the whole client zone loses OPC UA to the device',
  },
  {
    id: 'vp-bacnet-desigo',
    advisories: ['ICSA-22-132-10'],
    cves: ['CVE-2021-41545'],
    protocol: 'bacnet',
    what: 'BACnet to a Desigo PXC or DXR controller from hosts that are not its building management stations: one packet, which the advisory does not name, can put the controller into its factory reset state',
    quote: 'When the controller receives a specific BACnet protocol packet',
    keep: 'BACnet from the hosts left out of the rule passes (the management stations); without clients the whole client zone loses BACnet to the controller',
  },
];

const OTHER_PATCHES: readonly VirtualPatch[] = [
  {
    id: 'vp-ftp-m340',
    advisories: ['ICSA-21-005-01'],
    cves: ['CVE-2020-7562', 'CVE-2020-7563', 'CVE-2020-7564'],
    protocol: 'other',
    transport: 'tcp',
    port: 21,
    service: 'FTP',
    what: "FTP to a Modicon M340 (TCP 21): crafted file uploads reach the controller's buffer overflows",
    quote: 'block all unauthorized access to Port 21/TCP',
    keep: 'Modbus and UMAS on TCP 502 are not touched',
  },
  {
    id: 'vp-ftp-sauter-nova',
    advisories: ['ICSA-23-012-05'],
    cves: ['CVE-2023-0052', 'CVE-2023-0053'],
    protocol: 'other',
    transport: 'tcp',
    port: 21,
    service: 'FTP',
    what: 'FTP to a SAUTER Nova 200-220 building controller (TCP 21): its device management, without credentials and in clear text',
    quote: 'As Telnet and file transfer protocol (FTP) are the only protocols available for device management',
    keep: 'BACnet (UDP 47808) is not touched',
  },
  {
    id: 'vp-telnet-sauter-nova',
    advisories: ['ICSA-23-012-05'],
    cves: ['CVE-2023-0052', 'CVE-2023-0053'],
    protocol: 'other',
    transport: 'tcp',
    port: 23,
    service: 'Telnet',
    what: 'Telnet to a SAUTER Nova 200-220 building controller (TCP 23): commands run without credentials, and credentials cross in clear text',
    quote: 'have only FTP and Telnet available for device management',
    keep: 'BACnet (UDP 47808) is not touched',
  },
  {
    id: 'vp-http-siemens-pxc',
    advisories: ['ICSA-17-285-05'],
    cves: ['CVE-2017-9946', 'CVE-2017-9947'],
    protocol: 'other',
    transport: 'tcp',
    port: 80,
    service: 'HTTP',
    what: 'the integrated web server of an APOGEE PXC or TALON TC BACnet field panel (HTTP, TCP 80): its authentication can be bypassed, and the layout of its file system read',
    quote: 'integrated web server (80/tcp and 443/tcp)',
    keep: 'BACnet (UDP 47808) is not touched',
  },
  {
    id: 'vp-https-siemens-pxc',
    advisories: ['ICSA-17-285-05'],
    cves: ['CVE-2017-9946', 'CVE-2017-9947'],
    protocol: 'other',
    transport: 'tcp',
    port: 443,
    service: 'HTTPS',
    what: 'the integrated web server of an APOGEE PXC or TALON TC BACnet field panel (HTTPS, TCP 443): its authentication can be bypassed, and the layout of its file system read',
    quote: 'integrated web server (80/tcp and 443/tcp)',
    keep: 'BACnet (UDP 47808) is not touched',
  },
  {
    id: 'vp-http-sentron-atc6',
    advisories: ['ICSA-24-074-06'],
    cves: ['CVE-2024-22044'],
    protocol: 'other',
    transport: 'tcp',
    port: 80,
    service: 'HTTP',
    what: 'the unused web server of a SENTRON 3KC ATC6 expansion module (HTTP, TCP 80): requests to it can force the device to reboot',
    quote: 'blocking incoming connections to port 80/tcp',
    keep: 'Modbus TCP to the module is not touched',
  },
  {
    id: 'vp-snmp-siemens',
    advisories: ['ICSA-17-339-01', 'ICSA-18-128-01', 'ICSA-19-099-01'],
    cves: ['CVE-2017-12741'],
    protocol: 'other',
    transport: 'udp',
    port: 161,
    service: 'SNMP',
    what: 'SNMP to the Siemens devices of CVE-2017-12741 (UDP 161): crafted packets stop them until they are restarted by hand',
    quote: 'Protect network access to port 161/udp of affected devices',
    keep: "the devices' process protocols are not touched; monitoring over SNMP stops across the gateway",
  },
  {
    id: 'vp-mms-en100',
    advisories: ['ICSA-18-347-02', 'ICSA-19-038-02'],
    cves: ['CVE-2018-11451', 'CVE-2018-11452'],
    protocol: 'other',
    transport: 'tcp',
    port: 102,
    service: 'IEC 61850 MMS',
    what: 'IEC 61850 MMS to a SIPROTEC EN100 Ethernet module (TCP 102): crafted packets stop the module until it is restarted by hand',
    quote: 'Block access to port 102/tcp',
    keep: "the relay's protection runs on; its MMS reporting to clients across the gateway stops",
  },
];

export const VIRTUAL_PATCHES: readonly VirtualPatch[] = [...PROTOCOL_PATCHES, ...OTHER_PATCHES];
