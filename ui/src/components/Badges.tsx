import type { ReactNode } from "react";
import { statusLabel } from "../format";
import { t } from "../i18n";

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{statusLabel(status)}</span>;
}

export function LateBadge() {
  return (
    <span className="badge badge-late" title={t("Finishes after its due date (actually, or in the published plan)")}>
      {t("Late")}
    </span>
  );
}

export function Chip({ children }: { children: ReactNode }) {
  return <span className="chip">{children}</span>;
}
