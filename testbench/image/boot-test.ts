// The appliance image, built and booted: image/build.sh --boot-test makes the disk, qemu boots it
// under software emulation (UEFI firmware, three network ports: management with the console
// forwarded to a loopback port here, two plant ports joined by nothing), and this reads the
// serial console. Checked: the console answers on the management address, its one-time setup
// token from the serial console creates the first administrator, who can log in; the in-guest
// checks (read-only root, bridge, learning, policy handover, systemd's watchdog restarting a hung
// supervisor with the rules held, the supervisor restarting a hung engine, the audit chain) all
// report ok. Prints the image's size, the build time and the boot-to-console time.
//
//   npm run test:image [-- --reuse]      (root; --reuse boots an image built before)

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const OUT = join(ROOT, 'image', 'out', 'boot-test');
const IMAGE = join(OUT, 'bulkhead.img');
const FIRMWARE = { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' };
const BOOT_LIMIT_MS = 20 * 60_000;

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the image keeps its files owners)';
  if (process.arch !== 'x64') return `boots x86-64 images only (this is ${process.arch})`;
  for (const tool of ['mmdebstrap', 'qemu-system-x86_64', 'mkfs.vfat', 'mcopy', 'sfdisk']) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (apt-get install mmdebstrap qemu-system-x86 ovmf dosfstools mtools fdisk)`;
  if (!existsSync(FIRMWARE.code)) return `UEFI firmware ${FIRMWARE.code} is missing (apt-get install ovmf)`;
  return undefined;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function call(port: number, method: string, path: string, body?: object): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : undefined;
    const req = request({ host: '127.0.0.1', port, method, path, rejectUnauthorized: false, timeout: 10_000, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(data);
  });
}

async function main(): Promise<number> {
  const why = unavailable();
  if (why) {
    console.warn(`SKIPPED: image boot test: ${why}`);
    return 0;
  }
  const reuse = process.argv.includes('--reuse') && existsSync(IMAGE);
  let buildSeconds: number | undefined;
  if (!reuse) {
    mkdirSync(OUT, { recursive: true });
    // The guest's management port is qemu's user network (10.0.2.15); the plant ports are eth1, eth2.
    const config = join(OUT, 'bulkhead.yaml');
    writeFileSync(
      config,
      ['bulkheadConfig: 1', 'dataDir: /var/lib/bulkhead', 'bridge: { name: br0, ports: [eth1, eth2] }', 'management: { interface: eth0, address: 10.0.2.15, prefixLength: 24, gateway: 10.0.2.2, port: 8443 }', 'gateway: { mode: enforce, watchdogMs: 2000, onStop: fail-state }', 'retention: { eventsDays: 30, journalMaxMB: 64, storageWarnPercent: 80 }', ''].join('\n'),
    );
    const t0 = Date.now();
    const b = spawnSync(join(ROOT, 'image', 'build.sh'), ['--out', OUT, '--config', config, '--boot-test', '--var-size', '512'], { stdio: 'inherit' });
    if (b.status !== 0) {
      console.error(`image build failed (exit ${b.status})`);
      return 1;
    }
    buildSeconds = (Date.now() - t0) / 1000;
  }

  const vars = join(mkdtempSync(join(tmpdir(), 'bulkhead-ovmf-')), 'vars.fd');
  copyFileSync(FIRMWARE.vars, vars);
  const port = await freePort();
  // A copy-on-write overlay would do, but a booted image is the one under test: boot it as built.
  const args = [
    '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '2', '-m', '1536',
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${FIRMWARE.code}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    '-drive', `file=${IMAGE},format=raw,if=virtio`,
    '-netdev', `user,id=mgmt,hostfwd=tcp:127.0.0.1:${port}-10.0.2.15:8443`, '-device', 'virtio-net-pci,netdev=mgmt',
    // Plant ports: isolated user networks, nothing reaches this machine or beyond through them.
    '-netdev', 'user,id=plant1,restrict=on', '-device', 'virtio-net-pci,netdev=plant1',
    '-netdev', 'user,id=plant2,restrict=on', '-device', 'virtio-net-pci,netdev=plant2',
    '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
  ];
  const started = Date.now();
  const vm = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let serial = '';
  vm.stdout.on('data', (d: Buffer) => {
    serial += d.toString();
    if (process.env.BULKHEAD_SERIAL) process.stdout.write(d);
  });
  const exited = new Promise<void>((r) => vm.once('exit', () => r()));
  const until = async (what: string, test: () => boolean | Promise<boolean>) => {
    while (!(await test())) {
      if (vm.exitCode !== null || vm.signalCode !== null) throw new Error(`the VM stopped while waiting for ${what}; serial console:\n${serial.slice(-4000)}`);
      if (Date.now() - started > BOOT_LIMIT_MS) throw new Error(`no ${what} within ${BOOT_LIMIT_MS / 60000} min; serial console:\n${serial.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const failures: string[] = [];
  try {
    let answered = 0;
    await until('console on the management address', async () => {
      const r = await call(port, 'GET', '/api/setup').catch(() => undefined);
      if (r?.status === 200) answered = Date.now();
      return r?.status === 200;
    });
    const bootToConsole = (answered - started) / 1000;
    // The line after "setup token:", behind the console's timestamp and unit prefix.
    const tokenPattern = /one-time setup token:[^\n]*\n(?:[^\n]*\n)??[^\n]*?\s([A-Za-z0-9_-]{20,})\s*\n/;
    await until('setup token on the serial console', () => tokenPattern.test(serial));
    const token = tokenPattern.exec(serial)![1]!;
    const password = 'Gateway-boot-test-1';
    const setup = await call(port, 'POST', '/api/setup', { token, name: 'integrator', password });
    if (setup.status !== 200) failures.push(`setup with the serial console's token: ${setup.status} ${setup.text}`);
    const login = await call(port, 'POST', '/api/login', { name: 'integrator', password });
    if (login.status !== 200) failures.push(`login: ${login.status} ${login.text}`);
    console.log(`console: answered on the management address ${bootToConsole.toFixed(0)} s after power-on (software emulation); setup token from the serial console created the administrator; login ${login.status}`);

    await until('the in-guest checks', () => /BOOTTEST done/.test(serial));
    // Lines from the guest's checks, without the console's timestamp and unit prefix.
    const guest = (kind: string) => serial.split('\n').flatMap((l) => (l.includes(`${kind} `) ? [l.slice(l.indexOf(`${kind} `))] : []));
    for (const line of guest('BOOTTEST')) {
      console.log(line.trimEnd());
      if (/^BOOTTEST \S+ FAIL/.test(line)) failures.push(line.trim());
    }
    if (failures.length) for (const line of guest('BOOTLOG')) console.log(line.trimEnd());
    const size = statSync(IMAGE).size / 1048576;
    const zst = existsSync(`${IMAGE}.zst`) ? `, ${(statSync(`${IMAGE}.zst`).size / 1048576).toFixed(0)} MiB compressed` : '';
    console.log(`image: ${size.toFixed(0)} MiB${zst}${buildSeconds !== undefined ? `, built in ${buildSeconds.toFixed(0)} s` : ' (reused)'}; boot to console ${bootToConsole.toFixed(0)} s; all checks ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (err) {
    failures.push((err as Error).message);
  } finally {
    vm.kill('SIGKILL');
    await exited;
  }
  if (failures.length) {
    console.error(`image boot test FAILED:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log('image boot test passed');
  return 0;
}

process.exitCode = await main();
