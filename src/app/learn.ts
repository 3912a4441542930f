// `bulkhead learn`: captures (in time order, resumable) or a live interface into the baseline.

import type { EtherCensusState } from '../learn/ether-census.js';
import { realpathSync, statSync } from 'node:fs';
import { CaptureError, firstTimestamp, readCapture } from '../capture/capture-reader.js';
import { DEFAULT_CAPTURE_FILTER, startLiveCapture } from '../capture/live-capture.js';
import { Learner, type LearnerOptions } from '../learn/learner.js';
import { Watch } from '../detect/watch.js';
import { AutoResponder } from './auto-response.js';
import { learnProgress, type LearnProgress } from '../learn/progress.js';
import { LearnStore } from '../store/learn-store.js';

export interface LearnReport {
  files: { path: string; packets: number; skipped?: 'already_learned'; resumedAt?: number; error?: string }[];
  packets: number;
  operations: number;
  seconds: number;
  assets: number;
  conversations: number;
  discoveries: number;
  /** Largest resident set of this process so far. */
  peakRssMb: number;
}

interface PcapFile {
  path: string;
  id: string;
  size: number;
  first: number;
}

/** A file is the same capture while its path, size and modification time are. */
function sourceId(path: string): { id: string; size: number } {
  const st = statSync(path);
  return { id: `pcap:${realpathSync(path)}:${st.size}:${Math.round(st.mtimeMs)}`, size: st.size };
}

/**
 * Learns the captures in order of their first packet. A capture learned before is skipped; one
 * interrupted is resumed after the last committed packet (flows open at the interruption start
 * over, so a few in-flight requests may be lost: at most one flush interval of work).
 */
/** Learning always watches too: the detectors judge by the baseline once it has learned long enough. */
function watching(options: LearnerOptions): LearnerOptions {
  return options.watch ? options : { ...options, watch: (b) => new Watch(b) };
}

export async function learnPcaps(store: LearnStore, paths: string[], options: LearnerOptions = {}, log: (line: string) => void = () => {}): Promise<{ report: LearnReport; failed: boolean }> {
  const started = process.hrtime.bigint();
  const learner = new Learner(store, watching(options));
  const before = store.totals();
  const report: LearnReport = { files: [], packets: 0, operations: 0, seconds: 0, assets: 0, conversations: 0, discoveries: 0, peakRssMb: 0 };
  let failed = false;
  const files: PcapFile[] = [];
  for (const path of paths) {
    try {
      const { id, size } = sourceId(path);
      files.push({ path, id, size, first: (await firstTimestamp(path)) ?? 0 });
    } catch (err) {
      failed = true;
      const message = err instanceof CaptureError ? err.message : `${path}: ${(err as Error).message}`;
      report.files.push({ path, packets: 0, error: message });
      log(`error: ${message}`);
    }
  }
  files.sort((a, b) => a.first - b.first);
  for (const f of files) {
    const done = store.source(f.id);
    if (done?.finished) {
      report.files.push({ path: f.path, packets: 0, skipped: 'already_learned' });
      log(`${f.path}: already learned, skipped`);
      continue;
    }
    const skip = done?.packetsDone ?? 0;
    learner.source = { id: f.id, kind: 'pcap', name: f.path, size: f.size, packetsDone: skip, finished: false };
    const entry: LearnReport['files'][number] = { path: f.path, packets: 0 };
    if (skip > 0) {
      entry.resumedAt = skip + 1;
      log(`${f.path}: resuming at packet ${skip + 1}`);
    }
    try {
      const r = await readCapture(f.path, (p) => {
        if (p.index > skip) learner.packet(p);
      });
      entry.packets = r.packets - skip;
      learner.source.finished = true;
      learner.flush();
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      // What was read before the damage is learned; the file stays unfinished.
      failed = true;
      entry.error = err.message;
      entry.packets = learner.source.packetsDone - skip;
      learner.flush();
      log(`error: ${err.message}`);
    }
    report.files.push(entry);
  }
  learner.source = undefined;
  learner.finish();
  const after = store.totals();
  report.packets = learner.decoder.stats.packets;
  report.operations = learner.decoder.stats.operations;
  report.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  report.assets = after.assets - before.assets;
  report.conversations = after.conversations - before.conversations;
  report.discoveries = after.discoveries - before.discoveries;
  report.peakRssMb = process.resourceUsage().maxRSS / 1024;
  return { report, failed };
}

/** Learns from an interface until `signal` aborts (or `seconds` pass). */
export async function learnInterface(
  store: LearnStore,
  iface: string,
  filter: string | undefined,
  options: LearnerOptions & { seconds?: number; signal?: AbortSignal; respond?: boolean },
  log: (line: string) => void = () => {},
): Promise<LearnReport> {
  const started = process.hrtime.bigint();
  const before = store.totals();
  // Live on the gateway's bridge, detections may isolate their source (where an engineer set it).
  const responder = options.respond ? new AutoResponder(store.db, log) : undefined;
  const learner = new Learner(store, responder ? { ...options, watch: (b) => new Watch(b, { respond: (d) => responder.respond(d) }) } : watching(options));
  learner.source = { id: `interface:${iface}`, kind: 'interface', name: iface, packetsDone: store.source(`interface:${iface}`)?.packetsDone ?? 0, finished: false };
  const capture = startLiveCapture(iface, filter ?? `${DEFAULT_CAPTURE_FILTER} or (vlan and (${DEFAULT_CAPTURE_FILTER}))`, (p) => learner.packet(p));
  log(`learning on ${iface}${options.seconds ? ` for ${options.seconds} s` : ''}; stop with Ctrl-C`);
  const timer = setInterval(() => learner.flushIfDue(), 200);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    if (options.seconds) setTimeout(done, options.seconds * 1000);
    if (options.signal?.aborted) done();
    options.signal?.addEventListener('abort', done, { once: true });
  });
  clearInterval(timer);
  capture.stop();
  learner.finish();
  const after = store.totals();
  return {
    files: [],
    packets: learner.decoder.stats.packets,
    operations: learner.decoder.stats.operations,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    assets: after.assets - before.assets,
    conversations: after.conversations - before.conversations,
    discoveries: after.discoveries - before.discoveries,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

export function progressOf(store: LearnStore, convergenceHours?: number): LearnProgress {
  const totals = store.totals();
  const p = learnProgress(store.clock(), store.discoveriesPerHour(), { assets: totals.assets, conversations: totals.conversations }, convergenceHours);
  const etherTypes = store.etherTypes<EtherCensusState>();
  if (etherTypes) p.etherTypes = etherTypes;
  return p;
}

