// German: the downtime reason queue. Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "{machine}, stop at {time}: “{reason}” assigned.": "{machine}, Stopp um {time}: „{reason}“ zugeordnet.",
  "Downtime reasons": "Stillstandsgründe",
  "Stops without a reason in your areas over the last 7 days, newest first. Tap a stop, then its reason.": "Stopps ohne Grund in Ihren Bereichen in den letzten 7 Tagen, neueste zuerst. Tippen Sie auf einen Stopp, dann auf seinen Grund.",
  "Downtime Pareto": "Stillstands-Pareto",
  "Loading stops…": "Stopps werden geladen …",
  "Stops without a reason": "Stopps ohne Grund",
  "{count} stops waiting": { one: "{count} Stopp wartet", other: "{count} Stopps warten" },
  "Every stop has its reason. Nothing to do.": "Jeder Stopp hat seinen Grund. Nichts zu tun.",
  "ongoing": "andauernd",
  "{name} (other)": "{name} (sonstige)",
  "Why did {machine} stop?": "Warum stand {machine}?",
  "and counting": "und läuft weiter",
  "fault {fault}": "Fehler {fault}",
  "Loading reasons…": "Gründe werden geladen …",
  "No downtime reasons for {machineClass} machines. Add them under": "Keine Stillstandsgründe für Maschinen der Klasse {machineClass}. Legen Sie sie an unter",
  "General": "Allgemein",
  "Note (optional)": "Notiz (optional)",
  "What happened?": "Was ist passiert?",
  "Assign “{reason}”": "„{reason}“ zuordnen",
  "Choose a reason": "Grund wählen",
  "Could not assign": "Zuordnung fehlgeschlagen",
};

export default de;
