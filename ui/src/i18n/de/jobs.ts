// German: the background job queue (Administration). Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Administration": "Verwaltung",
  "Background jobs": "Hintergrundjobs",
  "Work the server does in the background: waiting, running, retried, and jobs that failed every attempt.": "Arbeit, die der Server im Hintergrund erledigt: wartend, laufend, wiederholt, und Jobs, die bei jedem Versuch fehlschlugen.",
  "Waiting": "Wartend",
  "Running": "Laufend",
  "Waiting to retry": "Wartet auf Wiederholung",
  "Dead": "Endgültig fehlgeschlagen",
  "Done": "Erledigt",
  "Queue": "Warteschlange",
  "The oldest waiting job is due since {when}.": "Der älteste wartende Job ist seit {when} fällig.",
  "Dead jobs": "Endgültig fehlgeschlagene Jobs",
  "Replayed jobs: {ids}.": "Erneut eingereihte Jobs: {ids}.",
  "No dead jobs: every job succeeded or is still being tried.": "Keine endgültig fehlgeschlagenen Jobs: jeder Job war erfolgreich oder wird noch versucht.",
  "Job": "Job",
  "Kind": "Art",
  "Attempts": "Versuche",
  "Failed at": "Fehlgeschlagen am",
  "Replaying…": "Wird erneut eingereiht …",
  "Replay": "Erneut ausführen",
};

export default de;
