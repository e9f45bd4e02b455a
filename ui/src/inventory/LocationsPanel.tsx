import { useState, type FormEvent } from "react";
import { listSites, patch, post } from "../api";
import { Empty, ErrorState, Loading } from "../components/States";
import { msg, t } from "../i18n";
import { useCan, useDeniedReason } from "../session";
import { useApi } from "../useApi";
import { LOCATION_KIND_LABEL, listLocations, type StockLocation } from "./ledger";
import "./ledger.css";

const POLICY: Record<string, string> = {
  allow: msg("Allow and flag"),
  refuse: msg("Refuse"),
};

/** The stock locations and their negative-stock policy: "allow and flag" books a
 * movement that takes stock below zero and lists it; "refuse" refuses it. */
export function LocationsPanel({ onChanged }: { onChanged?: () => void }) {
  const data = useApi(() => Promise.all([listLocations(), listSites()]), []);
  const mayWrite = useCan("inventory:write");
  const denied = useDeniedReason("inventory:write");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [kind, setKind] = useState("store");
  const [negative, setNegative] = useState("allow");
  const setPolicy = async (l: StockLocation, value: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await patch(`/stock-locations/${l.id}`, { negative: value, version: l.version });
      data.reload();
      onChanged?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const site = data.data?.[1][0];
    if (!site) return;
    setBusy(true);
    setError(undefined);
    try {
      await post("/stock-locations", { site_id: site.id, code: code.trim(), name: name.trim(), kind, negative });
      setCode("");
      setName("");
      data.reload();
      onChanged?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" data-testid="locations">
      <h2 className="panel-title">{t("Stock locations")}</h2>
      {error !== undefined && <ErrorState error={error} />}
      {data.error ? <ErrorState error={data.error} onRetry={data.reload} /> : !data.data ? <Loading /> : data.data[0].length === 0 ? <Empty>{t("No stock locations yet.")}</Empty> : (
        <div className="table-wrap">
          <table className="table">
            <thead><tr><th>{t("Code")}</th><th>{t("Name")}</th><th>{t("Kind")}</th><th>{t("Below zero")}</th></tr></thead>
            <tbody>
              {data.data[0].map((l) => (
                <tr key={l.id} data-testid="location-row">
                  <td className="mono strong">{l.code}</td>
                  <td>{l.name}</td>
                  <td>{t(LOCATION_KIND_LABEL[l.kind] ?? l.kind)}</td>
                  <td>
                    <select className="input" aria-label={t("Below zero at {code}", { code: l.code })} value={l.negative ?? "allow"}
                      disabled={!mayWrite || busy} title={mayWrite ? undefined : denied ?? undefined}
                      onChange={(e) => setPolicy(l, e.target.value)}>
                      {Object.entries(POLICY).map(([v, label]) => <option key={v} value={v}>{t(label)}</option>)}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {mayWrite && data.data && data.data[1].length > 0 && (
        <form className="md-form" aria-label={t("New location")} onSubmit={create}>
          <div className="md-fields ledger-fields">
            <label className="field"><span>{t("Code")}</span><input className="input" value={code} onChange={(e) => setCode(e.target.value)} /></label>
            <label className="field"><span>{t("Name")}</span><input className="input" value={name} onChange={(e) => setName(e.target.value)} /></label>
            <label className="field"><span>{t("Kind")}</span>
              <select className="input" value={kind} onChange={(e) => setKind(e.target.value)}>
                {Object.entries(LOCATION_KIND_LABEL).map(([v, label]) => <option key={v} value={v}>{t(label)}</option>)}
              </select>
            </label>
            <label className="field"><span>{t("Below zero")}</span>
              <select className="input" value={negative} onChange={(e) => setNegative(e.target.value)}>
                {Object.entries(POLICY).map(([v, label]) => <option key={v} value={v}>{t(label)}</option>)}
              </select>
            </label>
          </div>
          <button type="submit" className="btn btn-primary btn-large" disabled={busy || !code.trim() || !name.trim()}>{t("Add location")}</button>
        </form>
      )}
    </section>
  );
}
