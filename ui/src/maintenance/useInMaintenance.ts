// Which machines are in maintenance now: an order in progress, or scheduled with its
// window around now. The floor shows them (refreshed every minute).
import { useMemo } from "react";
import { useApi, usePolling } from "../useApi";
import { listMOrders } from "./api";

const EMPTY: ReadonlySet<number> = new Set();

export function useInMaintenance(): ReadonlySet<number> {
  const running = useApi(() => listMOrders({ status: "in_progress" }).catch(() => []), []);
  const scheduled = useApi(() => listMOrders({ status: "scheduled" }).catch(() => []), []);
  usePolling(running.reload, 60_000);
  usePolling(scheduled.reload, 60_000);
  return useMemo(() => {
    if (!running.data && !scheduled.data) return EMPTY;
    const now = Date.now();
    const ids = new Set((running.data ?? []).map((o) => o.machine_id));
    for (const o of scheduled.data ?? []) {
      if (o.scheduled_start && o.scheduled_end && Date.parse(o.scheduled_start) <= now && now < Date.parse(o.scheduled_end)) {
        ids.add(o.machine_id);
      }
    }
    return ids;
  }, [running.data, scheduled.data]);
}
