// The operator terminal (/terminal): a touch-first page of its own, outside the office
// shell. Sign in by badge and PIN; pick the line once (remembered on the device); then the
// line's work with every action at most two taps, queued offline (see queue.ts).
import { useCallback, useEffect, useState } from "react";
import { currentUser, getAll, listSites, type Line, type User } from "../api";
import { t } from "../i18n";
import { setSiteZone } from "../site";
import { SessionProvider } from "../session";
import { ClockBar } from "../allocation/ClockBar";
import { useAlertEvents } from "../alerts/useAlertEvents";
import { BadgeScreen } from "./BadgeScreen";
import { cached, signOutQuietly } from "./net";
import { outbox } from "./queue";
import { WorkScreen } from "./WorkScreen";
import { QualityPanel } from "./QualityPanel";
import "./terminal.css";

const LINE_KEY = "linewise.terminal.line";
const OPERATOR_KEY = "linewise.terminal.operator";
const USER_KEY = "linewise.terminal.user";

type State = { state: "checking" } | { state: "badge" } | { state: "in"; user: User; operator: string };

async function loadSiteZone(): Promise<void> {
  const sites = await cached("sites", listSites);
  if (sites.length > 0) setSiteZone(sites[0].timezone, sites[0].name);
}

/** The app shell is cached by a service worker, so the terminal opens without network. */
function registerServiceWorker(): void {
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").catch(() => {
      // without it the terminal still works online; nothing to tell the operator
    });
  }
}

export function TerminalApp() {
  const [session, setSession] = useState<State>({ state: "checking" });
  const [lines, setLines] = useState<Line[] | null>(null);
  const [lineId, setLineId] = useState<number | null>(() => Number(localStorage.getItem(LINE_KEY)) || null);

  useEffect(registerServiceWorker, []);

  const enter = useCallback(async (user: User, operator: string) => {
    localStorage.setItem(USER_KEY, JSON.stringify(user));
    await loadSiteZone().catch(() => {});
    setSession({ state: "in", user, operator });
    outbox.flush();
  }, []);

  useEffect(() => {
    const operatorName = (user: User) => localStorage.getItem(OPERATOR_KEY) ?? user.full_name;
    currentUser().then(
      (user) => (user ? void enter(user, operatorName(user)) : setSession({ state: "badge" })),
      () => {
        // No network: carry on as the operator signed in last on this tablet; the
        // outbox sends their taps once the server answers again.
        const raw = localStorage.getItem(USER_KEY);
        if (raw) void enter(JSON.parse(raw) as User, operatorName(JSON.parse(raw) as User));
        else setSession({ state: "badge" });
      },
    );
  }, [enter]);

  useEffect(() => {
    if (session.state !== "in") return;
    const mine = (l: Line) => session.user.role !== "operator" && session.user.role !== "supervisor" ? true : session.user.area_ids.includes(l.area_id);
    cached("lines", () => getAll<Line>("/lines", { sort: "code" })).then((all) => {
      const usable = all.filter(mine);
      setLines(usable);
      if (usable.length === 1) setLineId(usable[0].id);
    }, () => setLines([]));
  }, [session]);

  const switchOperator = useCallback(async () => {
    // One tap: back to the badge screen for the next person on this tablet (after a
    // moment to send what the leaving operator tapped, while the network allows).
    await outbox.drain(3_000);
    setSession({ state: "badge" });
    localStorage.removeItem(OPERATOR_KEY);
    localStorage.removeItem(USER_KEY);
    await signOutQuietly();
  }, []);

  if (session.state === "checking") return <div className="terminal"><p className="term-center">{t("Starting…")}</p></div>;
  if (session.state === "badge") {
    return (
      <div className="terminal">
        <BadgeScreen onSignedIn={(out) => {
          localStorage.setItem(OPERATOR_KEY, out.operator.name);
          void enter(out.user, out.operator.name);
        }} />
      </div>
    );
  }
  const line = lines?.find((l) => l.id === lineId) ?? null;
  return (
    <div className="terminal">
      <ClockBar key={session.user.id} userId={session.user.id} />
      <TerminalAlerts />
      {line ? (
        <>
          <SessionProvider user={session.user}>
            <QualityPanel line={line} />
            {/* inside: a due sample's "Record sample" asks for quality:record */}
            <WorkScreen line={line} operator={session.operator} onSwitch={switchOperator}
              onChangeLine={lines && lines.length > 1 ? () => setLineId(null) : undefined} />
          </SessionProvider>
        </>
      ) : (
        <div className="term-lines">
          <header className="term-top">
            <span className="term-who">{session.operator}</span>
            <button type="button" className="term-btn" onClick={switchOperator}>{t("Switch operator")}</button>
          </header>
          <h1>{t("Choose your line")}</h1>
          {lines === null ? <p>{t("Loading…")}</p> : lines.length === 0 ? <p>{t("No line in your areas.")}</p> : null}
          <div className="term-grid">
            {(lines ?? []).map((l) => (
              <button key={l.id} type="button" className="term-btn term-btn-big" onClick={() => {
                localStorage.setItem(LINE_KEY, String(l.id));
                setLineId(l.id);
              }}>
                {l.name}
              </button>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

/** Live alerts on the terminal: the critical-alert beep when this device has it on. */
function TerminalAlerts() {
  useAlertEvents();
  return null;
}
