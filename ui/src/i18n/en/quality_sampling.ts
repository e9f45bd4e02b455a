// English singular forms of the sampling texts' plural keys.
import type { Catalog } from "../index";

const en: Catalog = {
  "Sample due: {count} units for {name}": {
    one: "Sample due: {count} unit for {name}",
    other: "Sample due: {count} units for {name}",
  },
  "{count} samples overdue": { one: "{count} sample overdue", other: "{count} samples overdue" },
};

export default en;
