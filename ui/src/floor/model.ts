// The live floor as the server describes it (GET /floor, WebSocket /live), and the
// pure functions that keep a client-side copy current from the snapshot and its diffs.
import type { components } from "../api.gen";

// GET /floor's types are aliases of the schemas generated from the server (../api.gen.ts);
// the WebSocket's first message is the same snapshot, its diffs carry the same rows.
type Schemas = components["schemas"];

export type MachineState = Schemas["MachineState"];
export type RunningOrder = Schemas["RunningOrderOut"];
export type FloorMachine = Schemas["MachineStatusOut"];
export type FloorLine = Schemas["FloorLineOut"];
export type Shift = Schemas["ShiftOut"];
export type Snapshot = Schemas["FloorOut"];

export interface Diff {
  type: "diff";
  machines: FloorMachine[];
  lines: Record<string, RunningOrder | null>;
}

/** An andon call was raised or acknowledged (the page reads the calls from GET /andon). */
export interface AndonNotice { type: "andon"; id: number; line_id: number; kind: string; acknowledged: boolean }
export type LiveMessage = Snapshot | Diff | AndonNotice | { type: "pong" };

/** The client's copy: lines in flow order, each with its running order. */
export interface Floor {
  shift: Shift;
  /** server time minus client time at the snapshot, so that "time in state" ignores clock skew */
  skewMs: number;
  lines: (FloorLine & { order: RunningOrder | null })[];
}

// Material flows SMT → DIP/THT → test → packing; show the lines in that order.
const FLOW = ["SMT", "DIP", "TEST", "PACK"];
const flowRank = (type: string) => {
  const i = FLOW.indexOf(type);
  return i < 0 ? FLOW.length : i;
};

const byPosition = (a: FloorMachine, b: FloorMachine) => a.position - b.position || a.id - b.id;

export function fromSnapshot(s: Snapshot, clientNow: number = Date.now()): Floor {
  const lines = [...s.lines]
    .sort((a, b) => flowRank(a.type) - flowRank(b.type) || a.code.localeCompare(b.code))
    .map((line) => {
      const machines = [...line.machines].sort(byPosition);
      return { ...line, machines, order: machines.find((m) => m.order)?.order ?? null };
    });
  const at = Date.parse(s.at);
  return { shift: s.shift, skewMs: Number.isFinite(at) ? at - clientNow : 0, lines };
}

/** The floor after a diff: changed machines replaced in place, running orders updated. */
export function applyDiff(floor: Floor, diff: Diff): Floor {
  const changed = new Map(diff.machines.map((m) => [m.id, m]));
  const lines = floor.lines.map((line) => {
    const mine = diff.machines.filter((m) => m.line_id === line.id);
    const lineKey = String(line.id);
    if (mine.length === 0 && !(lineKey in diff.lines)) return line;
    const known = new Set(line.machines.map((m) => m.id));
    const machines = line.machines
      .map((m) => changed.get(m.id) ?? m)
      .concat(mine.filter((m) => !known.has(m.id)))
      .sort(byPosition);
    // A machine row carries its line's running order as read with it; the lines map is
    // the word on orders whose progress changed, so it wins.
    let order = mine.length > 0 ? mine[0].order : line.order;
    if (lineKey in diff.lines) order = diff.lines[lineKey];
    const shift = mine.find((m) => m.shift)?.shift ?? line.shift;
    return { ...line, machines, order, shift };
  });
  return { ...floor, lines };
}

export function countByState(floor: Floor): Record<MachineState, number> {
  const counts: Record<MachineState, number> = {
    producing: 0, setup: 0, idle: 0, down: 0, planned_stop: 0, offline: 0,
  };
  for (const line of floor.lines) for (const m of line.machines) counts[m.state] = (counts[m.state] ?? 0) + 1;
  return counts;
}
