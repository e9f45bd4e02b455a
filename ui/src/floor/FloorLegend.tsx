import type { MachineState } from "./model";
import { StateIcon } from "./StateIcon";
import { STATES } from "./states";

/** What the colours mean, with how many machines are in each state right now. */
export function FloorLegend({ counts }: { counts: Record<MachineState, number> }) {
  return (
    <ul className="legend" aria-label="Machine states" data-testid="legend">
      {STATES.map(({ state, label, hint }) => (
        <li key={state} className="legend-item" title={hint}>
          <span className={`legend-swatch state-${state}`}><StateIcon state={state} size={16} /></span>
          <span className="legend-label">{label}</span>
          <span className="legend-count">{counts[state]}</span>
        </li>
      ))}
    </ul>
  );
}
