// German: the inspection figures on the KPI page's line cards and in its explain panel (first pass yield, DPMO, the units and defects behind them). Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "First pass yield and DPMO, from the inspection results": "Erstausbeute und DPMO, aus den Prüfergebnissen",
  "No inspection results in this window.": "Keine Prüfergebnisse in diesem Zeitraum.",
  "FPY = units good at their first inspection / units first inspected": "FPY = bei der ersten Prüfung gute Einheiten / erstmals geprüfte Einheiten",
  "Units first inspected": "Erstmals geprüfte Einheiten",
  "Good first time": "Beim ersten Mal gut",
  "DPMO = defects / (units × opportunities per unit) × 10⁶": "DPMO = Fehler / (Einheiten × Fehlermöglichkeiten je Einheit) × 10⁶",
  "Counted from": "Gezählt aus",
  "inspected and good counts": "geprüften und guten Mengen",
  "{good} of {units} units good at their first inspection": "{good} von {units} Einheiten bei der ersten Prüfung gut",
};

export default de;
