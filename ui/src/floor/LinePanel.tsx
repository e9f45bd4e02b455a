import { LineOrder } from "./LineOrder";
import { MachineTile, type TileWarning } from "./MachineTile";
import type { Floor, Shift } from "./model";
import { ShiftLabel, sameShift } from "./ShiftLabel";
import { useNow } from "./useNow";
import { t } from "../i18n";

type Line = Floor["lines"][number];

export function LinePanel({ line, skewMs, reasons, headline, inMaintenance, warnings }: {
  line: Line;
  /** The shift in the page header: a line in another shift says which one it counts in. */
  headline?: Shift;
  skewMs: number;
  reasons: ReadonlyMap<string, string>;
  /** Machines whose maintenance window is now (the Maintenance page's orders). */
  inMaintenance?: ReadonlySet<number>;
  /** Each machine's open early warning of the live anomaly detector, if it has one. */
  warnings?: ReadonlyMap<number, TileWarning>;
}) {
  const now = useNow() + skewMs;
  const down = line.machines.filter((m) => m.state === "down").length;
  const headingId = `line-${line.id}`;
  return (
    <section className={`line-panel${down ? " line-alert" : ""}`} data-testid="line-panel"
      data-line={line.code} aria-labelledby={headingId}>
      <div className="line-info">
        <div className="line-ident">
          <h2 className="line-title" id={headingId}>
            {line.code}
            <span className="line-type">{line.type}</span>
          </h2>
          <div className="line-name">{line.name} · <span data-testid="line-area">{line.area_name}</span></div>
          {headline && line.shift && !sameShift(line.shift, headline) ? (
            <ShiftLabel shift={line.shift} testId="line-shift-label" />
          ) : null}
        </div>
        <LineOrder order={line.order} now={now} />
      </div>
      {line.machines.length === 0 ? (
        <p className="muted tiles-empty">{t("No machines on this line.")}</p>
      ) : (
        <ol className="tiles" aria-label={t("{line} machines in flow order", { line: line.code })}>
          {line.machines.map((m) => (
            <MachineTile key={m.id} machine={m} skewMs={skewMs} reasons={reasons}
              inMaintenance={inMaintenance?.has(m.id) ?? false} warning={warnings?.get(m.id)} />
          ))}
        </ol>
      )}
    </section>
  );
}
