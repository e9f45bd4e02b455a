// German: the genealogy page (traces of lots backward and forward, shipments).
// Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Genealogy": "Rückverfolgung",
  "Which component lots went into a finished lot, and where a reel went.": "Welche Komponentenchargen in eine Fertigcharge eingingen und wohin eine Rolle ging.",
  "Lot or serial number": "Charge oder Seriennummer",
  "Search": "Suchen",
  "Backward: what went into it": "Rückwärts: was eingegangen ist",
  "Forward: where it went": "Vorwärts: wohin es ging",
  "Nothing was consumed into this lot.": "In diese Charge wurde nichts verbraucht.",
  "This lot went into nothing yet.": "Diese Charge ist noch in nichts eingegangen.",
  "Cut at {count} lots.": "Bei {count} Chargen abgeschnitten.",
  "Trace this lot": "Diese Charge verfolgen",
  "{qty} {unit} used": "{qty} {unit} verbraucht",
  "{qty} used": "{qty} verbraucht",
  "made by order {number}": "gefertigt von Auftrag {number}",
  "shipped {qty} to {order} ({customer})": "{qty} an {order} ({customer}) versandt",
  "Shipment": "Versand",
  "Trace lot {lot}": "Charge {lot} verfolgen",
  "The routing step that consumes it; empty: the first step": "Der Arbeitsgang, der es verbraucht; leer: der erste",
  "first": "erster",
  "Sub-assembly made by": "Baugruppe gefertigt von",
  "Bought, not made here": "Zugekauft, nicht selbst gefertigt",
  "Orders of this product make it; their good units are received as this material.": "Aufträge dieses Produkts fertigen es; ihre Gutteile werden als dieses Material eingelagert.",
  "Step of row {n}": "Arbeitsgang von Zeile {n}",
  "Ship this lot": "Diese Charge versenden",
  "unit {serial}": "Einheit {serial}",
  "No lot or unit serial starts with “{q}”.": "Keine Charge und keine Seriennummer beginnt mit „{q}“.",
  "Confirm the shipment": "Versand bestätigen",
  "Ship {qty} of {item} lot {lot} to {order} ({customer})?": "{qty} von {item}, Charge {lot}, an {order} ({customer}) versenden?",
  "Book shipment": "Versand buchen",
  "Shipped {qty} to {order}.": "{qty} an {order} versendet.",
  "Shipment undone right after booking": "Versand direkt nach dem Buchen rückgängig gemacht",
};

export default de;
