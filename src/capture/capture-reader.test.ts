import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureError, readCapture } from './capture-reader.js';
import { pcapFileHeader, pcapRecordHeader } from '../test-support/pcap-writer.js';

const PCAPS = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const dir = mkdtempSync(join(tmpdir(), 'bulkhead-reader-'));

async function count(path: string): Promise<{ packets: number; linkTypes: Set<number>; firstTs: number }> {
  let packets = 0;
  let firstTs = 0;
  const linkTypes = new Set<number>();
  await readCapture(path, (p) => {
    if (packets++ === 0) firstTs = p.ts;
    linkTypes.add(p.linkType);
  });
  return { packets, linkTypes, firstTs };
}

describe('capture reader', () => {
  it('reads pcap and pcapng with the packet counts of the manifest', async () => {
    expect((await count(join(PCAPS, 'bacnet', 'bacnet_example.pcap'))).packets).toBe(3257);
    const ng = await count(join(PCAPS, 'opcua', 'open62541_browse_next.pcap'));
    expect(ng.packets).toBe(752);
    expect([...ng.linkTypes]).toEqual([0]);
  });

  it('reads big-endian files with nanosecond timestamps', async () => {
    const path = join(dir, 'be-ns.pcap');
    const h = pcapFileHeader(1, { bigEndian: true, nanoseconds: true });
    const r = pcapRecordHeader(1_700_000_000, 123_456_789, 60, true);
    writeFileSync(path, Buffer.concat([h, r, Buffer.alloc(60)]));
    const c = await count(path);
    expect(c.packets).toBe(1);
    expect(c.firstTs - 1_700_000_000).toBeCloseTo(0.123456789, 6);
  });

  it('a truncated file yields the packets before the damage, then a named error', async () => {
    const whole = readFileSync(join(PCAPS, 'modbus', 'modbus_example.pcap'));
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, whole.subarray(0, whole.length - 10));
    let seen = 0;
    const err = await readCapture(path, () => seen++).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).problem).toBe('truncated');
    expect((err as CaptureError).message).toMatch(/packet 100 cut short at byte \d+/);
    expect(seen).toBe(99);
  });

  it('refuses a file that is not a capture', async () => {
    const path = join(dir, 'text.pcap');
    writeFileSync(path, 'hello, this is not a capture');
    await expect(readCapture(path, () => {})).rejects.toMatchObject({ problem: 'not_a_capture', code: 'BH_CAPTURE' });
    await expect(readCapture(join(dir, 'missing.pcap'), () => {})).rejects.toMatchObject({ problem: 'unreadable', code: 'BH_CAPTURE' });
  });
});

describe('bulkhead decode', () => {
  const cli = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

  it('prints Operations as JSON lines and a summary', () => {
    const out = execFileSync('node', [cli, 'decode', join(PCAPS, 'modbus', 'modbus_example.pcap')], { encoding: 'utf8' });
    const records = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.protocol === 'modbus')).toHaveLength(48);
    const summary = JSON.parse(execFileSync('node', [cli, 'decode', '--summary', '--json', join(PCAPS, 'modbus', 'modbus_example.pcap')], { encoding: 'utf8' }));
    expect(summary.operations.modbus.write['22 Mask Write Register']).toBe(4);
  });

  it('exits 2 and names the problem on a truncated file', () => {
    const whole = readFileSync(join(PCAPS, 'modbus', 'modbus_example.pcap'));
    const path = join(dir, 'cut-cli.pcap');
    writeFileSync(path, whole.subarray(0, 500));
    const r = spawnSync('node', [cli, 'decode', '--summary', path], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cut-cli\.pcap: packet \d+ cut short/);
  });
});
