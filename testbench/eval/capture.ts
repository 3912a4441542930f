// One scenario written as a capture: the plant's normal traffic from its start to its end, with
// the attacks given (none for the normal copy) woven in; each attack's label gets the frame
// numbers its packets ended up at.

import { faultsOf, type Attack, type Label } from './attacks.js';
import type { Plant } from './plant.js';
import { Recorder, run, type Task } from './schedule.js';
import { normalTasks, Wire } from './traffic.js';

export interface LabelledAttack extends Label {
  /** Frame numbers of its packets in the capture (the first ones) and how many there are. */
  frames: number[];
  frameCount: number;
}

export interface Scenario {
  path: string;
  packets: number;
  labels: LabelledAttack[];
}

/** A task whose packets carry `label`. */
function labelled(task: Task, label: string, wire: Wire): Task {
  const fire = task.fire.bind(task);
  let next: number | undefined;
  task.fire = () => {
    wire.labelled(label, () => (next = fire()));
    return next;
  };
  return task;
}

/** Writes `plant`'s traffic with `attacks` (and `extra` traffic, unlabelled) at `path`; the same seed makes the same bytes. */
export function writeScenario(path: string, plant: Plant, attacks: readonly Attack[], seed: number, extra?: (wire: Wire) => Task[]): Scenario {
  const recorder = new Recorder(path);
  const wire = new Wire(recorder);
  // Process values and setpoints start over for every scenario: the copies differ by the attacks only.
  for (const p of plant.plcs) p.setpoint = 50;
  const tasks = normalTasks(plant, wire, faultsOf(attacks), seed);
  tasks.push(...(extra?.(wire) ?? []));
  for (const a of attacks) for (const t of a.tasks?.(wire) ?? []) tasks.push(labelled(t, a.label.name, wire));
  run(tasks, plant.end, recorder);
  const packets = recorder.close();
  const labels = attacks.map((a) => {
    const f = recorder.tagged.get(a.label.name);
    return { ...a.label, frames: f?.frames ?? [], frameCount: f?.count ?? 0 };
  });
  return { path, packets, labels };
}

