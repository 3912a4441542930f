// The running gateway's vocabulary: its modes, what the engine and the supervisor report of
// themselves, and the settings they report into (the store holds them; `bulkhead status`, the
// console and the failsafe read them). One home for each, so that no reader spells a key or a
// mode its own way.

import type { EnforceMode } from '../enforce/nft-compiler.js';
import type { Db } from '../store/database.js';
import { readSetting, writeSetting } from '../store/settings.js';
import type { StorageUse } from './storage.js';
import { GATEWAY_MODES, type Assert, type GatewayMode, type Same } from '../store/records.js';

/** What the gateway does with traffic: the store's list (store/records.ts), which must be the engine's modes and bypass. */
export { GATEWAY_MODES, type GatewayMode } from '../store/records.js';
export type ModesAgree = Assert<Same<GatewayMode, EnforceMode | 'bypass'>>;

export function isGatewayMode(s: string | undefined): s is GatewayMode {
  return (GATEWAY_MODES as readonly (string | undefined)[]).includes(s);
}

/** A heartbeat older than this says the engine is not running. */
const STALE_SECONDS = 3;

/** What the running engine reports of itself, a few times a second (watchdog, status, console). */
export interface EngineHealth {
  ts: number;
  pid: number;
  mode: GatewayMode;
  policy: string;
  inspected: number;
  denied: number;
  queue?: { packets: number; errors: number };
  /** Each inspection queue (one worker each): the kernel spreads host pairs over them. */
  queues?: { num: number; packets: number; errors: number }[];
  /** Requests sent in pieces held inline until their last piece: bytes now, and those refused over the budget. */
  reassembly: { heldBytes: number; refused: number };
  conduits: { id: string; name: string; failMode: 'open' | 'closed'; latencyBudgetMs?: number; p50Us?: number; p99Us?: number; inspection: 'on' | 'bypassed' }[];
}

export type EngineState = 'starting' | 'running' | 'down';

export interface SupervisorState {
  pid: number;
  since: number;
  watchdogMs: number;
  engine: { state: EngineState; role?: 'engine' | 'learner'; pid?: number; since: number; lastBeat?: number };
  restarts: number;
  lastExit?: { ts: number; reason: string };
  bypass?: { driver: string; engaged: boolean };
  storage?: StorageUse & { warnPercent: number };
}

/** The settings the gateway reports into, by what they hold. */
const ENGINE_HEALTH = 'engine.health';
const SUPERVISOR = 'supervisor';

export function readEngineHealth(db: Db): EngineHealth | undefined {
  return readSetting<EngineHealth | null>(db, ENGINE_HEALTH) ?? undefined;
}

/** The engine's latest health, or null once it has stopped. */
export function writeEngineHealth(db: Db, h: EngineHealth | null): void {
  writeSetting(db, ENGINE_HEALTH, h);
}

export function readSupervisor(db: Db): SupervisorState | undefined {
  return readSetting<SupervisorState>(db, SUPERVISOR);
}

export function writeSupervisor(db: Db, s: SupervisorState): void {
  writeSetting(db, SUPERVISOR, s);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether an engine runs now: its heartbeat is recent and its process is there. A heartbeat far
 * in the future is stale too: a box without a real-time clock boots with its clock set back.
 */
export function engineRunning(health: EngineHealth | undefined, now: number): boolean {
  return health !== undefined && Math.abs(now - health.ts) < STALE_SECONDS && alive(health.pid);
}

