// On the terminal after badge sign-in: "You are on SMT-1 this shift" and one tap to
// clock in or out. Accounts that are no operator's (a supervisor at a tablet) see nothing.
//
// A tap goes through the terminal's outbox like every other tap: it carries the time it
// was made, so a tap made offline is booked at that time when the network returns, and
// sent twice it books once. The bar shows the last state read from the server (kept for
// when the tablet starts without network) with the waiting taps applied.
import { useEffect, useState, useSyncExternalStore, useCallback } from "react";
import { ApiError } from "../api";
import { fmtDateTime } from "../format";
import { t } from "../i18n";
import { outbox, type Outgoing } from "../terminal/queue";
import { getMe, type Me } from "./api";
import "./allocation.css";

const CACHE = "linewise.terminal.me";

function cached(userId: number): Me | null {
  try {
    const raw = localStorage.getItem(`${CACHE}.${userId}`);
    return raw ? (JSON.parse(raw) as Me) : null;
  } catch {
    return null;
  }
}

interface ClockBody { action: "in" | "out"; operator_id: number; at: string }

/** The server's state with this operator's waiting clock taps applied, oldest first. */
function withWaiting(me: Me, waiting: Outgoing[]): Me {
  let since = me.clocked_in_since;
  for (const item of waiting) {
    const body = item.body as ClockBody;
    if (item.kind !== "clock" || body.operator_id !== me.operator_id) continue;
    since = body.action === "in" ? body.at : null;
  }
  return { ...me, clocked_in_since: since };
}

export function ClockBar({ userId }: { userId: number }) {
  const [server, setServer] = useState<Me | null>(() => cached(userId));
  const [error, setError] = useState("");
  const subscribe = useCallback((fn: () => void) => outbox.subscribe(fn), []);
  const items = useSyncExternalStore(subscribe, () => outbox.items);
  // No bar for an account that is no operator's (404); offline (0) the kept state stays.
  const load = useCallback(() => getMe().then((me) => {
    setServer(me);
    localStorage.setItem(`${CACHE}.${userId}`, JSON.stringify(me));
  }, (err: unknown) => {
    if (err instanceof ApiError && err.status === 404) {
      setServer(null);
      localStorage.removeItem(`${CACHE}.${userId}`);
    } else if (!(err instanceof ApiError && err.status === 0)) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }), [userId]);
  useEffect(() => {
    void load();
    return outbox.onAnswer((item) => {
      if (item.kind === "clock") void load();
    });
  }, [load]);
  if (!server) return error ? <p className="term-clock" role="alert">{error}</p> : null;
  const me = withWaiting(server, items);
  const waiting = items.some((i) => i.kind === "clock" && (i.body as ClockBody).operator_id === me.operator_id);
  const station = me.current.station;
  const tap = () => {
    setError("");
    const action = me.clocked_in_since ? "out" : "in";
    const body: ClockBody = { action, operator_id: me.operator_id, at: new Date().toISOString() };
    outbox.add({ path: "/labour/clock", body, opId: null, kind: "clock", quantity: 0, label: action === "in" ? t("Clock in") : t("Clock out") });
  };
  return (
    <div className="term-clock" data-testid="clock-bar">
      <span data-testid="my-station">
        {station ? t("You are on {station} this shift", { station }) : t("No station for you this shift")}
        {me.next.station && <span className="muted"> · {t("next shift: {station}", { station: me.next.station })}</span>}
      </span>
      <span>
        {me.clocked_in_since && <span className="muted" data-testid="clocked-in">{t("Clocked in since {time}", { time: fmtDateTime(me.clocked_in_since) })} </span>}
        {waiting && <span className="muted" data-testid="clock-waiting">{t("not sent yet")} </span>}
        <button type="button" className="term-btn" data-testid="clock-button" onClick={tap}>
          {me.clocked_in_since ? t("Clock out") : t("Clock in")}
        </button>
      </span>
      {error && <span role="alert">{error}</span>}
    </div>
  );
}
