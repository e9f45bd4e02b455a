// English needs no catalog (the key is the text) except for singular forms of plural keys.
import type { Catalog } from "../index";

const en: Catalog = {
  "{count} sources": { one: "{count} source", other: "{count} sources" },
  "{count} stops": { one: "{count} stop", other: "{count} stops" },
  "stops need a reason →": { one: "stop needs a reason →", other: "stops need a reason →" },
  "in {count} groups": { one: "in {count} group", other: "in {count} groups" },
  "{count} stops waiting": { one: "{count} stop waiting", other: "{count} stops waiting" },
  "{count} steps": { one: "{count} step", other: "{count} steps" },
  "Moved {count} following operations (by up to {span}).": { one: "Moved {count} following operation (by up to {span}).", other: "Moved {count} following operations (by up to {span})." },
  "{count} ops": { one: "{count} op", other: "{count} ops" },
  "{count} planning warnings": { one: "{count} planning warning", other: "{count} planning warnings" },
  "{count} changes": { one: "{count} change", other: "{count} changes" },
  "{file} is correct: {count} rows, {created} new, {updated} updated.": {
    one: "{file} is correct: {count} row, {created} new, {updated} updated.",
    other: "{file} is correct: {count} rows, {created} new, {updated} updated.",
  },
  "Import {count} rows": { one: "Import {count} row", other: "Import {count} rows" },
};

export default en;
