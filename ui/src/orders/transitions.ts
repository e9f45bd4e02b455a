// The order state machine as the planner sees it: which action fits which status, and
// why an action does not fit, in words. The server's state machine (production/states.py)
// decides; this only explains it before a click, and its 409 after a race.
import type { OrderStatus } from "../api";
import { msg, t } from "../i18n";

export type OrderAction = "release" | "hold" | "resume" | "cancel";

export const ACTIONS: { action: OrderAction; to: OrderStatus; label: string; from: OrderStatus[] }[] = [
  { action: "release", to: "released", label: msg("Release"), from: ["planned"] },
  { action: "hold", to: "on_hold", label: msg("Hold"), from: ["in_progress"] },
  { action: "resume", to: "in_progress", label: msg("Resume"), from: ["on_hold"] },
  { action: "cancel", to: "cancelled", label: msg("Cancel order"), from: ["planned", "released", "in_progress", "on_hold"] },
];

/** Why `action` does not fit an order in `status`, or null when it does. */
export function refusal(action: OrderAction, status: OrderStatus): string | null {
  if (ACTIONS.find((a) => a.action === action)?.from.includes(status)) return null;
  if (status === "cancelled") {
    return {
      release: t("A cancelled order cannot be released."),
      hold: t("A cancelled order cannot be put on hold."),
      resume: t("A cancelled order cannot be resumed."),
      cancel: t("This order is already cancelled."),
    }[action];
  }
  if (status === "completed") {
    return {
      release: t("A completed order cannot be released."),
      hold: t("A completed order cannot be put on hold."),
      resume: t("A completed order cannot be resumed."),
      cancel: t("A completed order cannot be cancelled."),
    }[action];
  }
  switch (action) {
    case "release":
      return t("This order is released already.");
    case "hold":
      if (status === "on_hold") return t("This order is on hold already.");
      return status === "planned"
        ? t("Only an order in progress can be put on hold; this one is not released yet.")
        : t("Only an order in progress can be put on hold; work on this one has not started yet.");
    case "resume":
      return t("Only an order on hold can be resumed.");
    default:
      return null;
  }
}
