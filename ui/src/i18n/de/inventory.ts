// German: stock and deliveries. Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Stock on hand and expected deliveries: planning starts an order once its material is there.": "Lagerbestand und erwartete Lieferungen: die Planung startet einen Auftrag, sobald sein Material da ist.",
  "Stock on hand": "Lagerbestand",
  "No stock recorded. Materials without a stock level are not checked by planning.": "Kein Bestand erfasst. Materialien ohne Bestand prüft die Planung nicht.",
  "Material": "Material",
  "On hand": "Vorhanden",
  "Open deliveries": "Offene Lieferungen",
  "Unit": "Einheit",
  "Updated": "Aktualisiert",
  "Deliveries": "Lieferungen",
  "No deliveries.": "Keine Lieferungen.",
  "No deliveries with status “{status}”.": "Keine Lieferungen mit Status „{status}“.",
  "Expected": "Erwartet",
  "Reference": "Referenz",
  "Receiving…": "Wird gebucht …",
  "Receive": "Wareneingang buchen",
};

export default de;
