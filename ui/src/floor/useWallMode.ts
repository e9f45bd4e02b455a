import { useCallback, useEffect } from "react";
import { navigate } from "../router";

/**
 * Wall mode is `?wall=1` on the page's URL, so a wall screen can bookmark it; the Shell
 * hides the navigation for it. Entering also asks for full screen (when the browser
 * allows); Escape or the button leaves.
 */
export function useWallMode(path: string, wall: boolean): () => void {
  const toggle = useCallback(() => {
    if (wall) {
      navigate(path);
      if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    } else {
      navigate(`${path}?wall=1`);
      document.documentElement.requestFullscreen?.().catch(() => {});
    }
  }, [path, wall]);

  useEffect(() => {
    if (!wall) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !document.fullscreenElement) navigate(path);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [path, wall]);

  return toggle;
}
