import { useState } from "react";
import { isStale } from "./api";

/**
 * A save that never overwrites silently: when the server says the record changed since
 * the editor opened it, `theirs` holds the current record so the editor can show the
 * difference and let the user keep theirs or overwrite with theirs' version.
 */
export function useGuardedSave<T>(fetchTheirs: (() => Promise<T>) | null) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [theirs, setTheirs] = useState<T | null>(null);

  const run = async (save: () => Promise<T>, onSaved: (saved: T) => void): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const saved = await save();
      setTheirs(null);
      onSaved(saved);
    } catch (e) {
      if (fetchTheirs && isStale(e)) {
        try {
          setTheirs(await fetchTheirs());
        } catch (e2) {
          setError(e2);
        }
      } else {
        setError(e);
      }
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, theirs, setTheirs, setError, run };
}
