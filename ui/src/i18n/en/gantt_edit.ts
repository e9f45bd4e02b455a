// English singular forms of the plural keys of the Gantt's editing and the planner figures.
import type { Catalog } from "../index";

const en: Catalog = {
  "{count} late orders": { one: "{count} late order", other: "{count} late orders" },
  "{count} changeovers ({span})": { one: "{count} changeover ({span})", other: "{count} changeovers ({span})" },
};

export default en;
