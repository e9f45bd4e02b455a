// German: work instructions (files attached to routing steps, shown on the terminal). Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Remove {name}": "{name} entfernen",
  "Remove": "Entfernen",
  "Attach work instruction": "Arbeitsanweisung anhängen",
  "Attach a work instruction to {step}": "Arbeitsanweisung an {step} anhängen",
  "Work instructions": "Arbeitsanweisungen",
  "Open {name}": "{name} öffnen",
  "Close": "Schließen",
};

export default de;
