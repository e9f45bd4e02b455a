// The site's time zone: every time on every page is shown in it, never in the
// browser's zone (a planner in New York still reads Berlin shift times) and never in UTC.
// App sets it from GET /sites when the session starts; the pages read it through format.ts.

let zone: string = Intl.DateTimeFormat().resolvedOptions().timeZone;
let zoneName = "";

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
