import type { MachineState } from "./model";
import { StateIcon } from "./StateIcon";
import { STATES } from "./states";
import { t } from "../i18n";

/** What the colours mean, with how many machines are in each state right now. */
export function FloorLegend({ counts }: { counts: Record<MachineState, number> }) {
  return (
    <ul className="legend" aria-label={t("Machine states")} data-testid="legend">
      {STATES.map(({ state, label, hint }) => (
        <li key={state} className="legend-item" title={t(hint)}>
          <span className={`legend-swatch state-${state}`}><StateIcon state={state} size={16} /></span>
          <span className="legend-label">{t(label)}</span>
          <span className="legend-count">{counts[state]}</span>
        </li>
      ))}
    </ul>
  );
}
