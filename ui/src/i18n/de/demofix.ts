// German: the floor's line in changeover ("Setup for PO-…", from the published plan).
// Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Setup for": "Rüsten für",
  "{quantity} to make": "{quantity} zu fertigen",
};

export default de;
