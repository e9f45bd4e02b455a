import type { MachineState } from "./model";

// A shape per state, so that the state reads without telling colours apart.
const PATHS: Record<MachineState, string> = {
  producing: "M8 5.5v13l10.5-6.5z", // play
  setup: "M14.7 6.3a4 4 0 0 0-5.4 5.2L4 16.8 7.2 20l5.3-5.3a4 4 0 0 0 5.2-5.4l-2.5 2.5-2.5-.5-.5-2.5z", // wrench
  idle: "M9 5.5v13M15 5.5v13", // pause
  down: "M12 3.5 21.5 20h-19zM12 10v4.5M12 17.3v.2", // warning triangle
  planned_stop: "M6.5 6.5h11v11h-11z", // stop square
  offline: "M4 4l16 16M8.5 16.5a5 5 0 0 1 7 0M5 12.5a10 10 0 0 1 4-2.3M19 12.5a10 10 0 0 0-3.2-2M12 20h.01", // no signal
};

export function StateIcon({ state, size = 22 }: { state: MachineState; size?: number }) {
  const filled = state === "producing" || state === "planned_stop";
  return (
    <svg className="state-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true"
      fill={filled ? "currentColor" : "none"} stroke="currentColor" strokeWidth={2.2}
      strokeLinecap="round" strokeLinejoin="round">
      <path d={PATHS[state]} />
    </svg>
  );
}
