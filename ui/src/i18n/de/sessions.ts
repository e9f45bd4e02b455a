// German: signing out everywhere and ending a user's sessions.
// Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Sign out everywhere": "Überall abmelden",
  "Ends your sessions on every device, this one included": "Beendet Ihre Sitzungen auf allen Geräten, auch auf diesem",
  "Sign out on every device, this one included?": "Auf allen Geräten abmelden, auch auf diesem?",
  "End sessions": "Sitzungen beenden",
  "End the sessions of {username}": "Sitzungen von {username} beenden",
  "Sign {username} out on every device?": "{username} auf allen Geräten abmelden?",
  "{username}: {count} sessions ended.": "{username}: {count} Sitzungen beendet.",
  "The sessions could not be ended.": "Die Sitzungen konnten nicht beendet werden.",
};

export default de;
