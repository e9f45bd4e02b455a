// German: the Quality page's attribute charts (p, np, u) and its editor of inspection plans and characteristics. Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "An np chart needs at least two complete samples of one size.": "Eine np-Karte braucht mindestens zwei vollständige Stichproben gleichen Umfangs.",
  "Too few complete samples for this chart yet.": "Noch zu wenige vollständige Stichproben für diese Karte.",
  "p chart: fraction nonconforming": "p-Karte: Anteil fehlerhafter Einheiten",
  "np chart: number nonconforming": "np-Karte: Anzahl fehlerhafter Einheiten",
  "u chart: defects per unit": "u-Karte: Fehler je Einheit",
  "samples of {n} results": "Stichproben aus {n} Ergebnissen",
  "latest: {bad} of {units} units nonconforming, {defects} defects": "zuletzt: {bad} von {units} Einheiten fehlerhaft, {defects} Fehler",
};

export default de;
