// German: the exports of calendars and of the later pages' lists (alerts, deliveries at
// risk, maintenance orders, quality lists, dead jobs).
import type { Catalog } from "../index";

const de: Catalog = {
  "{time} for {minutes} min": "{time} für {minutes} min",
  "Holiday": "Feiertag",
  "Calendar": "Kalender",
  "Calendar name": "Kalendername",
  "Entry": "Eintrag",
  "Weekdays": "Wochentage",
  "Start (site time)": "Beginn (Ortszeit des Standorts)",
  "End (site time)": "Ende (Ortszeit des Standorts)",
  "Stop at": "Stillstand um",
  "Scheduled start": "Geplanter Beginn",
  "Scheduled end": "Geplantes Ende",
  "Suppressed": "Unterdrückt",
  "Acknowledged by": "Quittiert von",
  "Resolved by": "Behoben von",
  "ETA, 80 % interval from": "Voraussichtliches Ende, 80-%-Intervall von",
  "ETA, 80 % interval to": "Voraussichtliches Ende, 80-%-Intervall bis",
  "Late risk (%)": "Verspätungsrisiko (%)",
  "Attempts allowed": "Erlaubte Versuche",
  "Traceback": "Traceback",
  "Cumulative (%)": "Kumuliert (%)",
  "Decided": "Entschieden",
  "First pass": "Erster Durchlauf",
  "Every n-th": "Jedes n-te",
};

export default de;
