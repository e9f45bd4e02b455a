// German: scheduled reports (subscriptions, preview, send now). Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Reports": "Berichte",
  "Daily shift report": "Täglicher Schichtbericht",
  "Weekly KPI summary": "Wöchentliche KPI-Übersicht",
  "Shift reports and weekly KPI summaries by e-mail, with a PDF attached.": "Schichtberichte und wöchentliche KPI-Übersichten per E-Mail, mit PDF im Anhang.",
  "Subscriptions of all users": "Abonnements aller Benutzer",
  "My subscriptions": "Meine Abonnements",
  "Subscribe": "Abonnieren",
  "Subscription": "Abonnement",
  "Report": "Bericht",
  "For user": "Für Benutzer",
  "Me": "Mich",
  "E-mail address": "E-Mail-Adresse",
  "On": "Aktiv",
  "Preview": "Vorschau",
  "Choose lines first": "Zuerst Linien wählen",
  "No report subscriptions yet.": "Noch keine Berichtsabonnements.",
  "User": "Benutzer",
  "Last sent": "Zuletzt gesendet",
  "Send now": "Jetzt senden",
  "The report is on its way to {email}.": "Der Bericht ist unterwegs an {email}.",
  "Unsubscribe": "Abbestellen",
  "As of {time}": "Stand {time}",
  "Open the PDF": "PDF öffnen",
};

export default de;
