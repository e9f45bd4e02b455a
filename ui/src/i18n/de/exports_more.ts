// German: the materials' consumption settings and the exports of the materials list and the audit log.
import type { Catalog } from "../index";

const de: Catalog = {
  "Id": "ID",
  "Consumption": "Verbrauch",
  "Scrap factor": "Ausschussfaktor",
  "Issued by hand": "Manuell entnommen",
  "Backflush from counts": "Retrograd aus Zählungen buchen",
  "Consumed when units are counted; otherwise issued to the order by hand.": "Verbraucht, sobald Einheiten gezählt werden; sonst manuell auf den Auftrag entnommen.",
  "Extra share used up per unit, e.g. 0.02 for 2 %.": "Zusätzlicher Anteil, der je Einheit verbraucht wird, z. B. 0,02 für 2 %.",
};

export default de;
