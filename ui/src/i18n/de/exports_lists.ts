// German: the column titles of the API keys' and the reason codes' exports.
import type { Catalog } from "../index";

const de: Catalog = {
  "Revoked": "Widerrufen",
  "Path": "Pfad",
};

export default de;
