// The live detector's open early warnings by machine (the latest one each), for the
// floor's tiles; refreshed every minute, as the floor's "in maintenance" marker is.
import { useMemo } from "react";
import { useApi, usePolling } from "../useApi";
import { listWarnings, type Warning } from "./api";

const EMPTY: ReadonlyMap<number, Warning> = new Map();

export function useOpenWarnings(): ReadonlyMap<number, Warning> {
  const open = useApi(() => listWarnings({ status: "open" }).catch(() => []), []);
  usePolling(open.reload, 60_000);
  return useMemo(() => {
    if (!open.data) return EMPTY;
    const byMachine = new Map<number, Warning>();
    // Latest alarm first: the first seen of a machine is its latest warning.
    for (const w of open.data) if (!byMachine.has(w.machine_id)) byMachine.set(w.machine_id, w);
    return byMachine;
  }, [open.data]);
}
