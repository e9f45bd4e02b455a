// German: navigation, sign-in and the application frame. Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Starting Linewise…": "Linewise startet …",
  "Production": "Produktion",
  "Floor": "Hallenboden",
  "Schedule": "Planung",
  "KPIs": "Kennzahlen",
  "Master data": "Stammdaten",
  "Lines & machines": "Linien & Maschinen",
  "Inventory": "Bestand",
  "Calendars": "Kalender",
  "Main": "Hauptmenü",
  "Sign out": "Abmelden",
  "All times on every page are in the site's time zone": "Alle Zeiten auf allen Seiten sind in der Zeitzone des Standorts",
  "Administrator": "Administrator",
  "Planner": "Planer",
  "Supervisor": "Schichtleiter",
  "Manager": "Produktionsleiter",
  "Language": "Sprache",
  "Manufacturing operations": "Fertigungssteuerung",
  "Your session has ended. Please sign in again.": "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.",
  "Username": "Benutzername",
  "Password": "Passwort",
  "Signing in…": "Anmeldung läuft …",
  "Sign in": "Anmelden",
  "Page not found": "Seite nicht gefunden",
  "There is nothing at this address.": "Unter dieser Adresse gibt es nichts.",
  "Go to orders": "Zu den Aufträgen",
  "Not available to your role ({role}).": "Für Ihre Rolle ({role}) nicht verfügbar.",
  "your areas ({names})": "Ihre Bereiche ({names})",
  "no areas assigned": "keine Bereiche zugewiesen",
};

export default de;
