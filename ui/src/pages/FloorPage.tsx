import { useMemo, type CSSProperties } from "react";
import { listReasonCodes } from "../api";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { ConnectionBanner } from "../floor/ConnectionBanner";
import { AndonBanner } from "../terminal/AndonBanner";
import { MachinePanelHost } from "../terminal/MachinePanel";
import { FloorLegend } from "../floor/FloorLegend";
import { LinePanel } from "../floor/LinePanel";
import { countByState, type Floor } from "../floor/model";
import { ShiftLabel } from "../floor/ShiftLabel";
import { useFloorLive, type LiveStatus } from "../floor/useFloorLive";
import { useWallMode } from "../floor/useWallMode";
import { WallClock } from "../floor/WallClock";
import { ApiError } from "../api";
import { useApi } from "../useApi";
import { t } from "../i18n";
import { useScopeLabel } from "../session";
import "../floor/wall.css";
import { useInMaintenance } from "../maintenance/useInMaintenance";
import { useOpenWarnings } from "../maintenance/useOpenWarnings";
import "../maintenance/maintenance.css";

/** From this many lines on, wall mode leaves out what a glance across the hall can spare. */
const DENSE_FROM_LINES = 5;

const NO_REASONS: ReadonlyMap<string, string> = new Map();

/** Every line and machine, live: state, time in state, reason, counts, running order. */
export function FloorPage({ wall }: { wall: boolean }) {
  const live = useFloorLive();
  const toggleWall = useWallMode("/floor", wall);
  const reasonCodes = useApi(listReasonCodes, []);
  const reasons = useMemo(
    () => (reasonCodes.data ? new Map(reasonCodes.data.map((r) => [r.code, r.name])) : NO_REASONS),
    [reasonCodes.data],
  );
  const inMaintenance = useInMaintenance();
  const warnings = useOpenWarnings();
  const { floor, status } = live;
  const counts = useMemo(() => (floor ? countByState(floor) : null), [floor]);
  // An area-scoped user sees "your areas (SMT)" on the floor, not the whole site.
  const scope = useScopeLabel();

  const header = (
    <PageHeader
      title={<span className="floor-title">{t("Floor")} <LiveBadge status={status} /></span>}
      subtitle={floor ? <>
        <ShiftLabel shift={floor.shift} />
        {scope && <span className="floor-scope" data-testid="scope-label"> · {scope}</span>}
      </> : undefined}
      actions={
        <>
          {wall && <WallClock />}
          <button type="button" className="btn" onClick={toggleWall} aria-pressed={wall}
            data-testid="wall-toggle">
            {wall ? t("Exit wall mode") : t("Wall mode")}
          </button>
        </>
      }
    />
  );

  let body;
  if (status === "forbidden") {
    body = <ErrorState error={new ApiError(403, t("Not allowed"), t("This account may not watch the floor."))} />;
  } else if (!floor) {
    body = <Loading label={t("Connecting to the floor…")} />;
  } else if (floor.lines.length === 0) {
    body = <Empty>{t("No lines to show. Lines appear here once they are set up under Lines & machines (and are in your areas).")}</Empty>;
  } else {
    body = (
      <div className={`floor-lines${status === "live" ? "" : " is-stale"}`}>
        {floor.lines.map((line) => (
          <LinePanel key={line.id} line={line} skewMs={floor.skewMs} reasons={reasons}
            headline={floor.shift} inMaintenance={inMaintenance} warnings={warnings} />
        ))}
      </div>
    );
  }

  return (
    <div className={`floor${wall ? " floor-wall" : ""}${wall && floor && floor.lines.length >= DENSE_FROM_LINES ? " floor-dense" : ""}`}
      style={floor ? gridSize(floor) : undefined}>
      {header}
      {status === "reconnecting" && <ConnectionBanner retryAt={live.retryAt} onRetry={live.retryNow} />}
      <AndonBanner />
      <MachinePanelHost />
      {counts && <FloorLegend counts={counts} />}
      {body}
    </div>
  );
}

/** Columns: the longest line's machines. Rows: lines (wall mode sizes text to fit them). */
function gridSize(floor: Floor): CSSProperties {
  const cols = Math.max(1, ...floor.lines.map((l) => l.machines.length));
  return { "--cols": cols, "--rows": Math.max(1, floor.lines.length) } as CSSProperties;
}

function LiveBadge({ status }: { status: LiveStatus }) {
  const text = status === "live" ? t("Live") : status === "reconnecting" ? t("Offline") : status === "forbidden" ? "" : t("Connecting");
  if (!text) return null;
  return (
    <span className={`live-badge live-${status}`} data-testid="live-status">
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
