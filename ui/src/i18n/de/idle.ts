// German: the Idle time page (measured idle minutes by cause, idle risk, suggestions). Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Idle minutes by cause in {scope}, the risk of idling soon and who could help.": "Leerlaufminuten nach Ursache in {scope}, das Risiko baldigen Leerlaufs und wer helfen könnte.",
  "Idle minutes by cause, the risk of idling soon and who could help.": "Leerlaufminuten nach Ursache, das Risiko baldigen Leerlaufs und wer helfen könnte.",
  "{start} to {end}": "{start} bis {end}",
  "Idle minutes per machine by cause": "Leerlaufminuten je Maschine nach Ursache",
  "Loading idle time…": "Stillstandszeit wird geladen…",
  "No machines in this scope.": "Keine Maschinen in diesem Bereich.",
  "{minutes} idle minutes in total": "{minutes} Leerlaufminuten insgesamt",
  "{minutes} min": "{minutes} min",
  "Idle (min)": "Leerlauf (min)",
  "Idle risk": "Leerlaufrisiko",
  "The chance of an idle stretch of 5 minutes or more within 5, 15 and 30 minutes, refreshed every minute. Above {limit} at 15 minutes a machine is flagged.": "Die Wahrscheinlichkeit eines Leerlaufs von 5 Minuten oder mehr innerhalb von 5, 15 und 30 Minuten, jede Minute neu berechnet. Über {limit} bei 15 Minuten wird eine Maschine markiert.",
  "No risks computed yet.": "Noch keine Risiken berechnet.",
  "5 min": "5 min",
  "15 min": "15 min",
  "30 min": "30 min",
  "Computed": "Berechnet",
  "High idle risk": "Hohes Leerlaufrisiko",
  "flagged": "markiert",
  "Suggestions": "Vorschläge",
  "Operator moves that would save the most idle minutes, from where the allocation board puts each operator this shift. Accepting one changes the board.": "Umsetzungen von Werkern, die die meisten Leerlaufminuten sparen würden, ausgehend davon, wo die Einsatztafel jeden Werker in dieser Schicht führt. Übernehmen ändert die Tafel.",
  "{operator} is now on {station} (board version {version}).": "{operator} ist jetzt auf {station} (Tafelstand {version}).",
  "No move would save idle time now.": "Derzeit spart keine Umsetzung Leerlaufzeit.",
  "Saves (min)": "Spart (min)",
  "Causes": "Ursachen",
  "No assignment": "Keine Zuordnung",
  "Machine down": "Maschine gestört",
  "Waiting for setup": "Wartet auf Rüsten",
  "No material": "Kein Material",
  "Other": "Sonstiges",
  "Idle risk above 80 % within 15 minutes": "Leerlaufrisiko über 80 % innerhalb von 15 Minuten",
  "{machine}: idle risk above 80 % within 15 min": "{machine}: Leerlaufrisiko über 80 % innerhalb von 15 min",
};

export default de;
