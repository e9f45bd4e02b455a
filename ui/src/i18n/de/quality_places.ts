// German: first pass yield by machine and by area on the Quality page. Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "First pass yield by area": "Erstausbeute nach Bereich",
  "First pass yield by machine": "Erstausbeute nach Maschine",
};

export default de;
