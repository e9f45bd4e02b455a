import { useEffect, useState } from "react";
import { t } from "../i18n";
import { ALERT_EVENT, openCount } from "./api";
import { useAlertEvents } from "./useAlertEvents";

const POLL_MS = 60_000; // a fallback: the live hub normally tells at once

/** The number of firing, unacknowledged alerts, next to "Alerts" in the navigation. */
export function AlertsBadge() {
  useAlertEvents();
  const [count, setCount] = useState(0);
  useEffect(() => {
    const load = () => { openCount().then((c) => setCount(c.firing), () => {}); };
    load();
    const timer = window.setInterval(load, POLL_MS);
    window.addEventListener(ALERT_EVENT, load);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener(ALERT_EVENT, load);
    };
  }, []);
  if (count === 0) return null;
  return (
    <span className="badge badge-late alerts-badge" data-testid="alerts-badge"
      title={t("{n} alerts firing", { n: count })} aria-label={t("{n} alerts firing", { n: count })}>
      {count}
    </span>
  );
}
