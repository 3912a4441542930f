// The appliance image, built and booted: image/build.sh --boot-test makes the disk, qemu boots it
// under software emulation (UEFI firmware, three network ports: management with the console
// forwarded to a loopback port here, two plant ports joined by nothing), and this reads the
// serial console. Checked: the console answers on the management address, its one-time setup
// token from the serial console creates the first administrator, who can log in; the in-guest
// checks (read-only root, bridge, learning, policy handover, Modbus traffic between an HMI and
// a PLC on the bridge: all of it passing while learning, the read passing and the write refused
// once enforced, nothing passing the fail-closed conduit while the service is stopped; systemd's
// watchdog restarting a hung supervisor with the rules held, the supervisor restarting a hung
// engine, the audit chain) all report ok. Then the power is cut (qemu killed) while the guest commits policy approvals beside
// the running gateway, and the disk is booted again: the gateway comes up by itself enforcing the
// applied policy, the administrator is still there, the database passes its integrity check,
// the audit chain verifies, and every approval reported committed before the cut is in the store.
// The image is built twice first: both builds must have one SHA-256 (reproducible).
// Prints the image's size, the build time and the boot-to-console times.
//
//   npm run test:image [-- --reuse]      (root; --reuse boots an image built before)

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  // mmdebstrap mounts /proc, /sys and /dev into the tree it builds: a container without mount rights cannot.
  const mount = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs probe /mnt && umount /mnt'], { encoding: 'utf8' });
  if (mount.status !== 0) return `cannot mount in a new mount namespace, which mmdebstrap needs (${(mount.stderr || mount.error?.message || '').trim()})`;
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

const PASSWORD = 'Gateway-boot-test-1';

/** What the boots share: the disk and its firmware variables, the console's port here, and what they found. */
interface BootTest {
  disk: string;
  vars: string;
  port: number;
  failures: string[];
  /** Seconds from power-on until the console answered, boot by boot. */
  bootToConsole: number[];
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
    buildSeconds = buildReproducibly();
    if (buildSeconds === undefined) return 1;
  }
  const disk = bootDisk();
  if (!disk) return 1;
  const vars = join(mkdtempSync(join(tmpdir(), 'bulkhead-ovmf-')), 'vars.fd');
  copyFileSync(FIRMWARE.vars, vars);
  const test: BootTest = { disk, vars, port: await freePort(), failures: [], bootToConsole: [] };
  const reported = await firstBoot(test);
  if (!test.failures.length) await bootAfterCut(test, reported);
  return verdict(test, buildSeconds);
}

/** Builds the image twice from the same inputs; returns the first build's seconds, or undefined once it has said what failed. */
function buildReproducibly(): number | undefined {
  mkdirSync(OUT, { recursive: true });
  // The guest's management port is qemu's user network (10.0.2.15); the plant ports are eth1, eth2.
  const config = join(OUT, 'bulkhead.yaml');
  writeFileSync(
    config,
    ['bulkheadConfig: 1', 'dataDir: /var/lib/bulkhead', 'bridge: { name: br0, ports: [eth1, eth2] }', 'management: { interface: eth0, address: 10.0.2.15, prefixLength: 24, gateway: 10.0.2.2, port: 8443 }', 'gateway: { mode: enforce, watchdogMs: 2000, onStop: fail-state }', 'retention: { eventsDays: 30, journalMaxMB: 64, storageWarnPercent: 80 }', ''].join('\n'),
  );
  const build = (out: string) => spawnSync(join(ROOT, 'image', 'build.sh'), ['--out', out, '--config', config, '--boot-test', '--var-size', '512'], { stdio: 'inherit' }).status;
  const t0 = Date.now();
  if (build(OUT) !== 0) {
    console.error('image build failed');
    return undefined;
  }
  const buildSeconds = (Date.now() - t0) / 1000;
  // Reproducible: a second build from the same inputs is the same disk, bit for bit.
  const again = join(OUT, 'again');
  if (build(again) !== 0) {
    console.error('second image build failed');
    return undefined;
  }
  const digest = (dir: string) => readFileSync(join(dir, 'bulkhead.img.sha256'), 'utf8').split(' ')[0];
  const [first, second] = [digest(OUT), digest(again)];
  rmSync(again, { recursive: true, force: true });
  if (first !== second) {
    console.error(`image build is not reproducible: two builds of the same inputs gave SHA-256 ${first} and ${second}`);
    return undefined;
  }
  console.log(`reproducible: two builds from the same inputs, one SHA-256 ${first}`);
  return buildSeconds;
}

/**
 * The built image stays as built (the one to write to a box): a sparse copy is booted, on a
 * disk 1 GiB larger than the image, as a box's disk is (the data partition must take the rest).
 */
function bootDisk(): string | undefined {
  const disk = join(OUT, 'booted.img');
  if (spawnSync('cp', ['--sparse=always', IMAGE, disk]).status !== 0 || spawnSync('truncate', ['-s', '+1G', disk]).status !== 0) {
    console.error(`cannot copy ${IMAGE} to ${disk} and grow it`);
    return undefined;
  }
  return disk;
}

/** First boot: the console's setup flow, the in-guest checks, then writes until the power is cut; returns the approvals reported committed before the cut. */
async function firstBoot(test: BootTest): Promise<number[]> {
  const { port, failures } = test;
  let reported: number[] = [];
  const vm = boot(test.disk, test.vars, port, 'first');
  try {
    test.bootToConsole.push(await consoleAnswers(vm, port));
    await createAdministrator(vm, test);
    await vm.until('the in-guest checks', () => /BOOTTEST done/.test(vm.serial));
    failures.push(...guestReport(vm.serial));

    // The power cut: qemu killed while the guest commits approvals beside the running gateway,
    // at a moment nobody chose. What the guest reported committed must all be there afterwards.
    await vm.until('approvals committed before the cut', () => committed(vm.serial).length >= 5 || /BOOTTEST power-cut-writer FAIL/.test(vm.serial));
    if (/BOOTTEST power-cut-writer FAIL/.test(vm.serial)) throw new Error(`the guest's writer failed before the cut; serial console:\n${vm.serial.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, Math.random() * 2000));
    reported = committed(vm.serial);
    await vm.cut();
    console.log(`power cut: qemu killed after ${reported.length} approvals were reported committed (the last, version ${reported.at(-1)})`);
  } catch (err) {
    failures.push((err as Error).message);
  } finally {
    await vm.cut();
  }
  return reported;
}

/** The console's setup flow: its one-time token from the serial console creates the first administrator, who logs in. */
async function createAdministrator(vm: Vm, test: BootTest): Promise<void> {
  // The line after "setup token:", behind the console's timestamp and unit prefix.
  const tokenPattern = /one-time setup token:[^\n]*\n(?:[^\n]*\n)??[^\n]*?\s([A-Za-z0-9_-]{20,})\s*\n/;
  await vm.until('setup token on the serial console', () => tokenPattern.test(vm.serial));
  const token = tokenPattern.exec(vm.serial)![1]!;
  const setup = await call(test.port, 'POST', '/api/setup', { token, name: 'integrator', password: PASSWORD });
  if (setup.status !== 200) test.failures.push(`setup with the serial console's token: ${setup.status} ${setup.text}`);
  const login = await call(test.port, 'POST', '/api/login', { name: 'integrator', password: PASSWORD });
  if (login.status !== 200) test.failures.push(`login: ${login.status} ${login.text}`);
  console.log(`console: answered on the management address ${test.bootToConsole[0]!.toFixed(0)} s after power-on (software emulation); setup token from the serial console created the administrator; login ${login.status}`);
}

/** The boot after the cut: up by itself, enforcing the applied policy, nothing committed lost. */
async function bootAfterCut(test: BootTest, reported: number[]): Promise<void> {
  const { port, failures } = test;
  const vm = boot(test.disk, test.vars, port, 'after-cut');
  try {
    test.bootToConsole.push(await consoleAnswers(vm, port));
    const setup = await call(port, 'GET', '/api/setup');
    if (!/"needed":false/.test(setup.text)) failures.push(`after the cut the console asks for setup again: ${setup.text}`);
    const login = await call(port, 'POST', '/api/login', { name: 'integrator', password: PASSWORD });
    if (login.status !== 200) failures.push(`login after the cut: ${login.status} ${login.text}`);
    await vm.until('the in-guest checks after the cut', () => /BOOTTEST done/.test(vm.serial));
    failures.push(...guestReport(vm.serial));
    if (!/BOOTTEST phase ok after-cut/.test(vm.serial)) failures.push('the guest did not run its after-cut checks');
    const listed = (what: string) => new Set((new RegExp(`BOOTCUT ${what} ([\\d ]*)`).exec(vm.serial)?.[1] ?? '').split(' ').filter(Boolean).map(Number));
    const approved = listed('approved');
    const audited = listed('audited');
    const lost = reported.filter((v) => !approved.has(v) || !audited.has(v));
    if (lost.length) failures.push(`after the cut, approvals reported committed before it are missing: versions ${lost.join(', ')}`);
    console.log(`after the cut: console ${test.bootToConsole[1]!.toFixed(0)} s after power-on, administrator kept (login ${login.status}); ${reported.length} reported approvals, ${lost.length} lost (${approved.size} approved versions and ${audited.size} approval entries in the store)`);
  } catch (err) {
    failures.push((err as Error).message);
  } finally {
    await vm.cut();
  }
}

/** The image's size, the build time and the boot-to-console times, then the verdict as the exit status. */
function verdict({ failures, bootToConsole }: BootTest, buildSeconds: number | undefined): number {
  const size = statSync(IMAGE).size / 1048576;
  const zst = existsSync(`${IMAGE}.zst`) ? `, ${(statSync(`${IMAGE}.zst`).size / 1048576).toFixed(0)} MiB compressed` : '';
  console.log(`image: ${size.toFixed(0)} MiB${zst}${buildSeconds !== undefined ? `, built in ${buildSeconds.toFixed(0)} s` : ' (reused)'}; boot to console ${bootToConsole.map((t) => `${t.toFixed(0)} s`).join(', then after the power cut ')} (software emulation)`);
  if (failures.length) {
    console.error(`image boot test FAILED:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  console.log('image boot test passed');
  return 0;
}

interface Vm {
  readonly serial: string;
  /** Waits until `test` holds; throws if the VM stops or the boot limit passes first. */
  until(what: string, test: () => boolean | Promise<boolean>): Promise<void>;
  /** Pulls the plug: SIGKILL, nothing flushed. */
  cut(): Promise<void>;
  readonly started: number;
}

/** Boots the disk under software emulation; the guest's checks learn the phase from SMBIOS. */
function boot(disk: string, vars: string, port: number, phase: 'first' | 'after-cut'): Vm {
  const args = [
    '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '2', '-m', '1536',
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${FIRMWARE.code}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    '-drive', `file=${disk},format=raw,if=virtio`,
    '-smbios', `type=11,value=bulkhead-boot-test=${phase}`,
    '-netdev', `user,id=mgmt,hostfwd=tcp:127.0.0.1:${port}-10.0.2.15:8443`, '-device', 'virtio-net-pci,netdev=mgmt',
    // Plant ports: isolated user networks, nothing reaches this machine or beyond through them.
    '-netdev', 'user,id=plant1,restrict=on', '-device', 'virtio-net-pci,netdev=plant1',
    '-netdev', 'user,id=plant2,restrict=on', '-device', 'virtio-net-pci,netdev=plant2',
    '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
  ];
  const started = Date.now();
  const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const vm = {
    serial: '',
    started,
    async until(what: string, test: () => boolean | Promise<boolean>) {
      while (!(await test())) {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the VM stopped (${phase} boot) while waiting for ${what}; serial console:\n${vm.serial.slice(-4000)}`);
        if (Date.now() - started > BOOT_LIMIT_MS) throw new Error(`no ${what} within ${BOOT_LIMIT_MS / 60000} min (${phase} boot); serial console:\n${vm.serial.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    async cut() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
  proc.stdout.on('data', (d: Buffer) => {
    vm.serial += d.toString();
    if (process.env.BULKHEAD_SERIAL) process.stdout.write(d);
  });
  return vm;
}

/** Seconds from power-on until the console answers on the management address. */
async function consoleAnswers(vm: Vm, port: number): Promise<number> {
  let answered = 0;
  await vm.until('console on the management address', async () => {
    const r = await call(port, 'GET', '/api/setup').catch(() => undefined);
    if (r?.status === 200) answered = Date.now();
    return r?.status === 200;
  });
  return (answered - vm.started) / 1000;
}

/** Prints the guest's check lines and returns the failed ones (with the journal lines after a failure). */
function guestReport(serial: string): string[] {
  // Lines from the guest's checks, without the console's timestamp and unit prefix.
  const guest = (kind: string) => serial.split('\n').flatMap((l) => (l.includes(`${kind} `) ? [l.slice(l.indexOf(`${kind} `))] : []));
  const failed: string[] = [];
  for (const line of guest('BOOTTEST')) {
    console.log(line.trimEnd());
    if (/^BOOTTEST \S+ FAIL/.test(line)) failed.push(line.trim());
  }
  if (failed.length) for (const line of guest('BOOTLOG')) console.log(line.trimEnd());
  return failed;
}

/** The versions the guest reported committed, from whole lines only. */
function committed(serial: string): number[] {
  return [...serial.matchAll(/BOOTCUT committed (\d+)\r?\n/g)].map((m) => Number(m[1]));
}

process.exitCode = await main();
