import { useSyncExternalStore } from "react";
import { t } from "../i18n";

// One 1-second timer for the whole page, however many clocks are on screen. Ticks are
// aligned to the wall-clock second so that every timer on a screen changes together.
let now = Date.now();
const listeners = new Set<() => void>();
let timer: number | undefined;

function tick() {
  now = Date.now();
  listeners.forEach((l) => l());
  timer = window.setTimeout(tick, 1000 - (now % 1000) + 5);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    now = Date.now();
    timer = window.setTimeout(tick, 1000 - (now % 1000) + 5);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.clearTimeout(timer);
  };
}

/** The current time (epoch ms), updated every second. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}

/** "0:42", "12:05", "3:07:12", "2d 4h": how long something has lasted. */
export function fmtElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return t("{days}d {hours}h", { days: d, hours: h });
  if (h > 0) return `${h}:${pad(m)}:${pad(s)}`;
  return `${m}:${pad(s)}`;
}
