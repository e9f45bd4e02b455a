// The skill matrix on the board: operator × skill with level and certificate expiry;
// an expired certificate is a conflict on the board. Managers edit cells here.
import { useState } from "react";
import { ErrorState } from "../components/States";
import { fmtDay } from "../format";
import { t } from "../i18n";
import { useCan } from "../session";
import { setSkill, type Board } from "./api";

export function SkillMatrix({ board, onChanged }: { board: Board; onChanged: () => void }) {
  const canEdit = useCan("skills:write");
  const cells = new Map(board.skills.map((s) => [`${s.operator_id}:${s.skill}`, s]));
  const skills = [...new Set([
    ...board.stations.flatMap((s) => s.skills),
    ...board.operators.flatMap((o) => o.skills),
    ...board.skills.map((s) => s.skill),
  ])].sort();
  const [form, setForm] = useState({ operator_id: 0, skill: "", level: 2, expires_on: "" });
  const [error, setError] = useState<unknown>();
  const save = async () => {
    setError(undefined);
    try {
      await setSkill({ operator_id: form.operator_id, skill: form.skill, level: form.level, expires_on: form.expires_on || null });
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="panel" data-testid="skill-matrix">
      <h2>{t("Skill matrix")}</h2>
      <div className="table-wrap">
        <table className="table">
          <thead><tr><th>{t("Operator")}</th>{skills.map((s) => <th key={s}>{s}</th>)}</tr></thead>
          <tbody>
            {board.operators.map((o) => (
              <tr key={o.id}>
                <td>{o.name}</td>
                {skills.map((s) => {
                  const c = cells.get(`${o.id}:${s}`);
                  if (c) {
                    return (
                      <td key={s} className={c.expired ? "cell-expired" : ""} data-testid={`skill-${o.code}-${s}`}>
                        {t("level {n}", { n: c.level })}
                        {c.expires_on && <> · {c.expired ? t("expired {day}", { day: fmtDay(c.expires_on) }) : t("until {day}", { day: fmtDay(c.expires_on) })}</>}
                      </td>
                    );
                  }
                  return <td key={s} data-testid={`skill-${o.code}-${s}`}>{o.skills.includes(s) ? "✓" : ""}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canEdit && (
        <form className="form-row" onSubmit={(e) => { e.preventDefault(); void save(); }} data-testid="skill-form">
          <label>{t("Operator")}
            <select className="input" value={form.operator_id} onChange={(e) => setForm({ ...form, operator_id: Number(e.target.value) })}>
              <option value={0}>—</option>
              {board.operators.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
          </label>
          <label>{t("Skill")}
            <input className="input" list="skill-names" value={form.skill} maxLength={60} onChange={(e) => setForm({ ...form, skill: e.target.value })} />
            <datalist id="skill-names">{skills.map((s) => <option key={s} value={s} />)}</datalist>
          </label>
          <label>{t("Level")}
            <select className="input" value={form.level} onChange={(e) => setForm({ ...form, level: Number(e.target.value) })}>
              {[1, 2, 3, 4].map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </label>
          <label>{t("Certified until")}
            <input className="input" type="date" value={form.expires_on} onChange={(e) => setForm({ ...form, expires_on: e.target.value })} />
          </label>
          <button type="submit" className="btn btn-primary" disabled={!form.operator_id || !form.skill.trim()}>{t("Save skill")}</button>
        </form>
      )}
      {error !== undefined && <ErrorState error={error} />}
    </section>
  );
}
