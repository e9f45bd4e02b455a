// German: spare parts on a maintenance order, the floor tile's early warning and the
// alert rule on warnings. Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Spare parts": "Ersatzteile",
  "No spare parts used.": "Keine Ersatzteile verbraucht.",
  "When ({zone})": "Wann ({zone})",
  "Removed by {who}, {when}": "Zurückgebucht von {who}, {when}",
  "Booked by mistake: put it back into stock": "Irrtümlich gebucht: zurück ins Lager",
  "Part": "Teil",
  "Taken from": "Entnommen aus",
  "Add part": "Teil hinzufügen",
  "Expected by the plan:": "Laut Plan erwartet:",
  "Use": "Übernehmen",
  "Early warning since {time}: {count} alarms": "Frühwarnung seit {time}: {count} Alarme",
  "Warning: anomaly in {signals}": "Warnung: Anomalie in {signals}",
  "its signals": "seinen Signalen",
  "A machine's anomaly warning open for N minutes (once per episode)":
    "Anomalie-Warnung einer Maschine seit N Minuten offen (einmal je Episode)",
  "Warning: {subject}": "Warnung: {subject}",
  "Maintenance order {id}, {who}": "Wartungsauftrag {id}, {who}",
};

export default de;
