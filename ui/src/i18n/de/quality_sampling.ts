// German: the samples the inspection plans ask for (on the terminal's stage and the Quality page's list). Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Inspections due": "Fällige Prüfungen",
  "Sample due: {count} units for {name}": {
    one: "Probe fällig: {count} Einheit für {name}",
    other: "Probe fällig: {count} Einheiten für {name}",
  },
  "Unit no. {units} · {rule}": "Einheit Nr. {units} · {rule}",
  "Overdue: the line has gone past the unit to check. Check it now.": "Überfällig: die Linie hat die zu prüfende Einheit schon hinter sich. Jetzt prüfen.",
  "Record sample": "Probe erfassen",
  "Every sample the plans ask for is recorded.": "Alle Proben, die die Prüfpläne verlangen, sind erfasst.",
  "{count} samples overdue": { one: "{count} Probe überfällig", other: "{count} Proben überfällig" },
  "Units reported": "Gemeldete Einheiten",
  "Units to check": "Zu prüfende Einheiten",
};

export default de;
