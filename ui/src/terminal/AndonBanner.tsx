// Open andon calls above the floor: pushed by the live hub the moment an operator reports
// a problem; a supervisor acknowledges them here.
import { useCallback, useEffect, useState } from "react";
import { get, post, type Schemas } from "../api";
import { ANDON_EVENT } from "../floor/useFloorLive";
import { fmtTime, zoneLabel } from "../format";
import { t } from "../i18n";
import { useCan, useDeniedReason } from "../session";

type Call = Schemas["AndonOut"];

export function andonKindLabel(kind: string): string {
  switch (kind) {
    case "machine": return t("Machine problem");
    case "material": return t("Material missing");
    case "quality": return t("Quality problem");
    case "help": return t("Needs help");
    case "conflict": return t("Report not counted");
    default: return kind;
  }
}

export function AndonBanner() {
  const [calls, setCalls] = useState<Call[]>([]);
  const canAck = useCan("andon:acknowledge");
  const denied = useDeniedReason("andon:acknowledge");

  const load = useCallback(() => {
    get<Call[]>("/andon", { open: true }).then(setCalls, () => {});
  }, []);

  useEffect(() => {
    load();
    window.addEventListener(ANDON_EVENT, load);
    return () => window.removeEventListener(ANDON_EVENT, load);
  }, [load]);

  if (calls.length === 0) return null;
  const acknowledge = (id: number) => {
    post<Call>(`/andon/${id}/acknowledge`, {}).then(load, load);
  };
  return (
    <section className="andon-banner" aria-label={t("Andon calls")} data-testid="andon-banner">
      <span className="muted">{zoneLabel()}</span>
      {calls.map((c) => (
        <div key={c.id} className={`andon-call andon-${c.kind}`} data-testid="andon-call">
          <strong>{andonKindLabel(c.kind)}</strong>
          <span>{c.line_name}{c.machine_name ? ` · ${c.machine_name}` : ""}</span>
          {c.note && <span className="andon-note">{c.note}</span>}
          <span className="muted">{t("{who} at {time}", { who: c.raised_by, time: fmtTime(c.raised_at) })}</span>
          <button type="button" className="btn" disabled={!canAck} title={denied ?? undefined} onClick={() => acknowledge(c.id)}>
            {t("Acknowledge")}
          </button>
        </div>
      ))}
    </section>
  );
}
