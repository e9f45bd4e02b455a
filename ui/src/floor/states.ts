import type { MachineState } from "./model";

export const STATES: { state: MachineState; label: string; hint: string }[] = [
  { state: "producing", label: "Producing", hint: "Running and making parts" },
  { state: "setup", label: "Setup", hint: "Changeover or setup" },
  { state: "idle", label: "Idle", hint: "Ready but waiting: starved, blocked, no operator, no order" },
  { state: "down", label: "Down", hint: "Unplanned stop: a fault or breakdown" },
  { state: "planned_stop", label: "Planned stop", hint: "Break, planned maintenance or no plan" },
  { state: "offline", label: "Offline", hint: "No data from the machine" },
];

const LABELS = Object.fromEntries(STATES.map((s) => [s.state, s.label])) as Record<MachineState, string>;

export function stateLabel(state: MachineState): string {
  return LABELS[state] ?? state;
}

// Reasons the machines and the simulator send that are not downtime reason codes.
const BUILTIN_REASONS: Record<string, string> = {
  starved: "Starved",
  blocked: "Blocked",
  no_operator: "No operator",
  no_order: "No order",
  no_plan: "No plan",
  break: "Break",
  maintenance: "Planned maintenance",
  changeover: "Changeover",
};

/** A reason code's name: from the reason-code table when known, else made readable. */
export function reasonLabel(code: string, names: ReadonlyMap<string, string>): string {
  const known = names.get(code) ?? BUILTIN_REASONS[code];
  if (known) return known;
  const words = code.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
