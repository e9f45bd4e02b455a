import { msg } from "../i18n";
import type { Cause } from "./api";

/** The idle causes in the order of the chart's stacks, with a label and a colour each. */
export const CAUSES: { key: Cause; label: string; color: string }[] = [
  { key: "no_assignment", label: msg("No assignment"), color: "#d9480f" },
  { key: "machine_down", label: msg("Machine down"), color: "#c92a2a" },
  { key: "waiting_for_setup", label: msg("Waiting for setup"), color: "#e67700" },
  { key: "no_material", label: msg("No material"), color: "#862e9c" },
  { key: "starved", label: msg("Starved"), color: "#1971c2" },
  { key: "blocked", label: msg("Blocked"), color: "#0c8599" },
  { key: "no_order", label: msg("No order"), color: "#868e96" },
  { key: "other", label: msg("Other"), color: "#adb5bd" },
];
