// The site's time zone: every time on every page is shown in it, never in the
// browser's zone (a planner in New York still reads Berlin shift times) and never in UTC.
// App sets it from GET /sites when the session starts; the pages read it through format.ts.

import type { Site } from "./api";

let zone: string = Intl.DateTimeFormat().resolvedOptions().timeZone;
let zoneName = "";
// The sites App read when the session started: a page that needs the site (the KPI page
// asks for its figures by site id) starts its own calls at once instead of asking again
// and waiting one more round trip.
let known: Site[] | null = null;

/** The sites read at sign-in, kept for the pages (null before that). */
export function setKnownSites(sites: Site[]): void {
  known = sites;
}

/** The sites read at sign-in if there are any, else asked for with ``load``. */
export function knownSitesOr(load: () => Promise<Site[]>): Promise<Site[]> {
  return known ? Promise.resolve(known) : load();
}

/** Set once the sites are known (the first site's zone; Linewise runs one site per install today). */
export function setSiteZone(timeZone: string, siteName = ""): void {
  zone = timeZone;
  zoneName = siteName;
}

/** The IANA zone all times are shown in, e.g. "Europe/Berlin". */
export function siteZone(): string {
  return zone;
}

export function siteName(): string {
  return zoneName;
}
