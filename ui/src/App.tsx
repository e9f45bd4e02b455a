import { useCallback, useEffect, useState } from "react";
import { currentUser, listSites, logout, logoutEverywhere, setUnauthorizedHandler, type User } from "./api";
import { t, useT } from "./i18n";
import { setKnownSites, setSiteZone } from "./site";
import { Shell } from "./components/Shell";
import { ErrorState, Loading } from "./components/States";
import { LoginPage } from "./pages/LoginPage";
import { Routes } from "./Routes";
import { SessionProvider } from "./session";

type Session = { state: "checking" } | { state: "signed-out"; expired?: boolean } | { state: "signed-in"; user: User } | { state: "error"; error: unknown };

/** Every time is shown in the site's zone: learn it before the first page renders. */
async function loadSiteZone(): Promise<void> {
  const sites = await listSites();
  setKnownSites(sites);
  if (sites.length > 0) setSiteZone(sites[0].timezone, sites[0].name);
}

/** Decides between the login page and the application from GET /auth/me. */
export function App() {
  const [session, setSession] = useState<Session>({ state: "checking" });
  const { locale } = useT(); // a language switch re-renders the frame and re-mounts the page

  const check = useCallback(() => {
    setSession({ state: "checking" });
    currentUser().then(
      async (user) => {
        if (user) await loadSiteZone();
        setSession(user ? { state: "signed-in", user } : { state: "signed-out" });
      },
      (error: unknown) => setSession({ state: "error", error }),
    );
  }, []);

  useEffect(() => {
    check();
    setUnauthorizedHandler(() => setSession({ state: "signed-out", expired: true }));
    return () => setUnauthorizedHandler(null);
  }, [check]);

  const signOut = useCallback(async () => {
    try {
      await logout();
    } finally {
      setSession({ state: "signed-out" });
    }
  }, []);

  const signOutEverywhere = useCallback(async () => {
    try {
      await logoutEverywhere();
    } finally {
      setSession({ state: "signed-out" });
    }
  }, []);

  switch (session.state) {
    case "checking":
      return <div className="boot"><Loading label={t("Starting Linewise…")} /></div>;
    case "error":
      return <div className="boot"><ErrorState error={session.error} onRetry={check} /></div>;
    case "signed-out":
      return (
        <LoginPage
          expired={session.expired}
          onSignedIn={(user) => void loadSiteZone().then(() => setSession({ state: "signed-in", user }))}
        />
      );
    case "signed-in":
      return (
        <SessionProvider user={session.user}>
          <Shell user={session.user} onSignOut={signOut} onSignOutEverywhere={signOutEverywhere}>
            <Routes key={locale} />
          </Shell>
        </SessionProvider>
      );
  }
}
