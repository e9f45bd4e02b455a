import type { MachineState } from "./model";
import { msg, t } from "../i18n";

export const STATES: { state: MachineState; label: string; hint: string }[] = [
  { state: "producing", label: msg("Producing"), hint: msg("Running and making parts") },
  { state: "setup", label: msg("Setup"), hint: msg("Changeover or setup") },
  { state: "idle", label: msg("Idle"), hint: msg("Ready but waiting: starved, blocked, no operator, no order") },
  { state: "down", label: msg("Down"), hint: msg("Unplanned stop: a fault or breakdown") },
  { state: "planned_stop", label: msg("Planned stop"), hint: msg("Break, planned maintenance or no plan") },
  { state: "offline", label: msg("Offline"), hint: msg("No data from the machine") },
];

const LABELS = Object.fromEntries(STATES.map((s) => [s.state, s.label])) as Record<MachineState, string>;

export function stateLabel(state: MachineState): string {
  return LABELS[state] ? t(LABELS[state]) : state;
}

// Reasons the machines and the simulator send that are not downtime reason codes.
const BUILTIN_REASONS: Record<string, string> = {
  starved: msg("Starved"),
  blocked: msg("Blocked"),
  no_operator: msg("No operator"),
  no_order: msg("No order"),
  no_plan: msg("No plan"),
  break: msg("Break"),
  maintenance: msg("Planned maintenance"),
  changeover: msg("Changeover"),
};

/** A reason code's name: from the reason-code table when known, else made readable. */
export function reasonLabel(code: string, names: ReadonlyMap<string, string>): string {
  const builtin = BUILTIN_REASONS[code];
  const known = names.get(code) ?? (builtin ? t(builtin) : undefined);
  if (known) return known;
  const words = code.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
